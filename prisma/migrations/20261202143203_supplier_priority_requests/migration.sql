-- CreateTable
CREATE TABLE "ReplenishmentSettings" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "settings" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Supplier" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connector" TEXT NOT NULL DEFAULT 'https',
    "endpointUrl" TEXT,
    "email" TEXT,
    "signingSecret" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SkuSupplier" (
    "shop" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "usualUnitCostMinor" INTEGER NOT NULL,
    "usualLeadBusinessDays" INTEGER NOT NULL,
    "qualityRating" REAL NOT NULL,
    "suppliersItemId" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shop", "inventoryItemGid", "supplierId")
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
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "inventoryItemGid", "locationGid")
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
    "levelUpdatedAt" DATETIME NOT NULL,
    "readAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "inventoryItemGid", "locationGid")
);

-- CreateTable
CREATE TABLE "ReplenishmentRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "requestedAt" DATETIME NOT NULL,
    "deadline" DATETIME NOT NULL,
    "decidedAt" DATETIME
);

-- CreateTable
CREATE TABLE "SupplierRfq" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "sendKey" TEXT NOT NULL,
    "document" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sendingAt" DATETIME,
    "sentAt" DATETIME,
    "answeredAt" DATETIME,
    "lastError" TEXT
);

-- CreateTable
CREATE TABLE "SupplierQuote" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "rfqId" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "unitPriceMinor" INTEGER NOT NULL,
    "availableQuantity" INTEGER NOT NULL,
    "leadBusinessDays" INTEGER NOT NULL,
    "validUntil" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL,
    "document" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "ReplenishmentDecision" (
    "requestId" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT,
    "rule" TEXT NOT NULL,
    "quotes" TEXT NOT NULL,
    "option" TEXT,
    "cost" TEXT,
    "silentSupplierIds" TEXT NOT NULL DEFAULT '[]',
    "decidedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "PurchaseOrder" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "incomingRecordedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
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

