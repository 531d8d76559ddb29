-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" DATETIME,
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
    "refreshTokenExpires" DATETIME
);

-- CreateTable
CREATE TABLE "Shop" (
    "domain" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "currencyCode" TEXT,
    "ianaTimezone" TEXT,
    "scopes" TEXT,
    "allOrdersAccess" BOOLEAN NOT NULL DEFAULT false,
    "installedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" DATETIME,
    "purgeAfter" DATETIME,
    "reconciledUntil" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "webhookId" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventId" TEXT,
    "apiVersion" TEXT,
    "triggeredAt" DATETIME,
    "payload" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'received',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "processedAt" DATETIME,
    "error" TEXT
);

-- CreateTable
CREATE TABLE "TierSettings" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "rules" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Customer" (
    "shop" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "shopifyUpdatedAt" DATETIME,
    "deletedAt" DATETIME,
    "tierKey" TEXT,
    "tierSince" DATETIME,
    "downgradeTierKey" TEXT,
    "graceUntil" DATETIME,
    "graceReason" TEXT,
    "pinnedTierKey" TEXT,
    "pinnedUntil" DATETIME,
    "qualifyingSpend" INTEGER NOT NULL DEFAULT 0,
    "qualifyingOrders" INTEGER NOT NULL DEFAULT 0,
    "reviewAt" DATETIME,
    "writtenTierTag" TEXT,
    "writtenDigest" TEXT,
    "syncStatus" TEXT NOT NULL DEFAULT 'synced',
    "syncAttempts" INTEGER NOT NULL DEFAULT 0,
    "syncError" TEXT,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "customerGid")
);

-- CreateTable
CREATE TABLE "LedgerOrder" (
    "shop" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "customerGid" TEXT,
    "name" TEXT,
    "processedAt" DATETIME NOT NULL,
    "orderUpdatedAt" DATETIME NOT NULL,
    "currencyCode" TEXT NOT NULL,
    "currentTotal" INTEGER NOT NULL,
    "currentShipping" INTEGER NOT NULL DEFAULT 0,
    "currentTax" INTEGER NOT NULL DEFAULT 0,
    "cancelledAt" DATETIME,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "orderGid")
);

-- CreateTable
CREATE TABLE "LedgerRefund" (
    "shop" TEXT NOT NULL,
    "refundGid" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "transactions" INTEGER NOT NULL,
    "lineItems" INTEGER NOT NULL,
    "shipping" INTEGER NOT NULL DEFAULT 0,
    "recordedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shop", "refundGid")
);

-- CreateTable
CREATE TABLE "TierChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "fromTier" TEXT,
    "toTier" TEXT,
    "reason" TEXT NOT NULL,
    "spend" INTEGER NOT NULL,
    "occurredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "BackfillRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'requested',
    "bulkOperationId" TEXT,
    "ordersRead" INTEGER NOT NULL DEFAULT 0,
    "ordersTotal" INTEGER,
    "linesApplied" INTEGER NOT NULL DEFAULT 0,
    "historyLimited" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ComplianceRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "customerGid" TEXT,
    "export" TEXT,
    "deletedRows" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME
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
