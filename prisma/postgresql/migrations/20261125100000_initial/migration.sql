-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "domain" TEXT NOT NULL,
    "name" TEXT,
    "currencyCode" TEXT,
    "ianaTimezone" TEXT,
    "scopes" TEXT,
    "allOrdersAccess" BOOLEAN NOT NULL DEFAULT false,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "purgeAfter" TIMESTAMP(3),
    "reconciledUntil" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("domain")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "webhookId" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventId" TEXT,
    "apiVersion" TEXT,
    "triggeredAt" TIMESTAMP(3),
    "payload" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'received',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "processedAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("webhookId")
);

-- CreateTable
CREATE TABLE "TierSettings" (
    "shop" TEXT NOT NULL,
    "rules" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TierSettings_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "Customer" (
    "shop" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "shopifyUpdatedAt" TIMESTAMP(3),
    "deletedAt" TIMESTAMP(3),
    "tierKey" TEXT,
    "tierSince" TIMESTAMP(3),
    "downgradeTierKey" TEXT,
    "graceUntil" TIMESTAMP(3),
    "graceReason" TEXT,
    "pinnedTierKey" TEXT,
    "pinnedUntil" TIMESTAMP(3),
    "qualifyingSpend" INTEGER NOT NULL DEFAULT 0,
    "qualifyingOrders" INTEGER NOT NULL DEFAULT 0,
    "reviewAt" TIMESTAMP(3),
    "writtenTierTag" TEXT,
    "writtenDigest" TEXT,
    "syncStatus" TEXT NOT NULL DEFAULT 'synced',
    "syncAttempts" INTEGER NOT NULL DEFAULT 0,
    "syncError" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("shop","customerGid")
);

-- CreateTable
CREATE TABLE "LedgerOrder" (
    "shop" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "customerGid" TEXT,
    "name" TEXT,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "orderUpdatedAt" TIMESTAMP(3) NOT NULL,
    "currencyCode" TEXT NOT NULL,
    "currentTotal" INTEGER NOT NULL,
    "currentShipping" INTEGER NOT NULL DEFAULT 0,
    "currentTax" INTEGER NOT NULL DEFAULT 0,
    "cancelledAt" TIMESTAMP(3),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LedgerOrder_pkey" PRIMARY KEY ("shop","orderGid")
);

-- CreateTable
CREATE TABLE "LedgerRefund" (
    "shop" TEXT NOT NULL,
    "refundGid" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "transactions" INTEGER NOT NULL,
    "lineItems" INTEGER NOT NULL,
    "shipping" INTEGER NOT NULL DEFAULT 0,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerRefund_pkey" PRIMARY KEY ("shop","refundGid")
);

-- CreateTable
CREATE TABLE "TierChange" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "fromTier" TEXT,
    "toTier" TEXT,
    "reason" TEXT NOT NULL,
    "spend" INTEGER NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TierChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackfillRun" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'requested',
    "bulkOperationId" TEXT,
    "ordersRead" INTEGER NOT NULL DEFAULT 0,
    "ordersTotal" INTEGER,
    "linesApplied" INTEGER NOT NULL DEFAULT 0,
    "historyLimited" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BackfillRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ComplianceRequest" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "customerGid" TEXT,
    "export" TEXT,
    "deletedRows" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "ComplianceRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE INDEX "WebhookDelivery_shop_receivedAt_idx" ON "WebhookDelivery"("shop", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_receivedAt_idx" ON "WebhookDelivery"("status", "receivedAt");

-- CreateIndex
CREATE INDEX "Customer_shop_tierKey_idx" ON "Customer"("shop", "tierKey");

-- CreateIndex
CREATE INDEX "Customer_shop_reviewAt_idx" ON "Customer"("shop", "reviewAt");

-- CreateIndex
CREATE INDEX "Customer_shop_syncStatus_idx" ON "Customer"("shop", "syncStatus");

-- CreateIndex
CREATE INDEX "LedgerOrder_shop_customerGid_idx" ON "LedgerOrder"("shop", "customerGid");

-- CreateIndex
CREATE INDEX "LedgerOrder_shop_orderUpdatedAt_idx" ON "LedgerOrder"("shop", "orderUpdatedAt");

-- CreateIndex
CREATE INDEX "LedgerRefund_shop_orderGid_idx" ON "LedgerRefund"("shop", "orderGid");

-- CreateIndex
CREATE INDEX "TierChange_shop_occurredAt_idx" ON "TierChange"("shop", "occurredAt");

-- CreateIndex
CREATE INDEX "TierChange_shop_customerGid_occurredAt_idx" ON "TierChange"("shop", "customerGid", "occurredAt");

-- CreateIndex
CREATE INDEX "BackfillRun_shop_startedAt_idx" ON "BackfillRun"("shop", "startedAt");

-- CreateIndex
CREATE INDEX "ComplianceRequest_shop_receivedAt_idx" ON "ComplianceRequest"("shop", "receivedAt");
