-- CreateTable
CREATE TABLE "ReplenishmentSettings" (
    "shop" TEXT NOT NULL,
    "settings" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentSettings_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "Supplier" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connector" TEXT NOT NULL DEFAULT 'https',
    "endpointUrl" TEXT,
    "email" TEXT,
    "signingSecret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Supplier_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SkuSupplier" (
    "shop" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "usualUnitCostMinor" INTEGER NOT NULL,
    "usualLeadBusinessDays" INTEGER NOT NULL,
    "qualityRating" DOUBLE PRECISION NOT NULL,
    "suppliersItemId" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SkuSupplier_pkey" PRIMARY KEY ("shop","inventoryItemGid","supplierId")
);

-- CreateTable
CREATE TABLE "ReplenishmentRule" (
    "shop" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "locationGid" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "safetyStock" INTEGER NOT NULL,
    "reorderTrigger" INTEGER,
    "reorderQuantity" TEXT NOT NULL,
    "neededWithinBusinessDays" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentRule_pkey" PRIMARY KEY ("shop","inventoryItemGid","locationGid")
);

-- CreateTable
CREATE TABLE "StockPosition" (
    "shop" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "locationGid" TEXT NOT NULL,
    "available" INTEGER NOT NULL,
    "onHand" INTEGER NOT NULL,
    "committed" INTEGER NOT NULL,
    "incoming" INTEGER NOT NULL,
    "levelUpdatedAt" TIMESTAMP(3) NOT NULL,
    "readAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StockPosition_pkey" PRIMARY KEY ("shop","inventoryItemGid","locationGid")
);

-- CreateTable
CREATE TABLE "ReplenishmentRequest" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "locationGid" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "openKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "quantity" INTEGER NOT NULL,
    "neededWithinBusinessDays" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "reorderTrigger" INTEGER NOT NULL,
    "waitingTierKeys" TEXT NOT NULL DEFAULT '[]',
    "priority" TEXT NOT NULL,
    "jobPriority" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "deadline" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "ReplenishmentRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SupplierRfq" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "sendKey" TEXT NOT NULL,
    "document" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sendingAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "answeredAt" TIMESTAMP(3),
    "lastError" TEXT,

    CONSTRAINT "SupplierRfq_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SupplierQuote" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "rfqId" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "unitPriceMinor" INTEGER NOT NULL,
    "availableQuantity" INTEGER NOT NULL,
    "leadBusinessDays" INTEGER NOT NULL,
    "validUntil" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "document" TEXT NOT NULL,

    CONSTRAINT "SupplierQuote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplenishmentDecision" (
    "requestId" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT,
    "rule" TEXT NOT NULL,
    "quotes" TEXT NOT NULL,
    "option" TEXT,
    "cost" TEXT,
    "silentSupplierIds" TEXT NOT NULL DEFAULT '[]',
    "decidedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReplenishmentDecision_pkey" PRIMARY KEY ("requestId")
);

-- CreateTable
CREATE TABLE "PurchaseOrder" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "quoteId" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "locationGid" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitPriceMinor" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "leadBusinessDays" INTEGER NOT NULL,
    "document" TEXT NOT NULL,
    "incomingStatus" TEXT NOT NULL DEFAULT 'pending',
    "incomingRecordedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PurchaseOrder_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Supplier_shop_name_key" ON "Supplier"("shop", "name");

-- CreateIndex
CREATE INDEX "SkuSupplier_shop_supplierId_idx" ON "SkuSupplier"("shop", "supplierId");

-- CreateIndex
CREATE UNIQUE INDEX "ReplenishmentRequest_openKey_key" ON "ReplenishmentRequest"("openKey");

-- CreateIndex
CREATE INDEX "ReplenishmentRequest_shop_status_idx" ON "ReplenishmentRequest"("shop", "status");

-- CreateIndex
CREATE INDEX "ReplenishmentRequest_shop_inventoryItemGid_locationGid_idx" ON "ReplenishmentRequest"("shop", "inventoryItemGid", "locationGid");

-- CreateIndex
CREATE UNIQUE INDEX "SupplierRfq_sendKey_key" ON "SupplierRfq"("sendKey");

-- CreateIndex
CREATE INDEX "SupplierRfq_shop_status_idx" ON "SupplierRfq"("shop", "status");

-- CreateIndex
CREATE UNIQUE INDEX "SupplierRfq_requestId_supplierId_key" ON "SupplierRfq"("requestId", "supplierId");

-- CreateIndex
CREATE INDEX "SupplierQuote_requestId_idx" ON "SupplierQuote"("requestId");

-- CreateIndex
CREATE INDEX "SupplierQuote_shop_idx" ON "SupplierQuote"("shop");

-- CreateIndex
CREATE INDEX "ReplenishmentDecision_shop_kind_idx" ON "ReplenishmentDecision"("shop", "kind");

-- CreateIndex
CREATE INDEX "PurchaseOrder_shop_requestId_idx" ON "PurchaseOrder"("shop", "requestId");

