-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "countryCode" TEXT;

-- CreateTable
CREATE TABLE "PromiseSettings" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "rules" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SkuReplenishment" (
    "shop" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "replenishmentBusinessDays" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "sku")
);

-- CreateTable
CREATE TABLE "OrderPromise" (
    "shop" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "orderName" TEXT,
    "customerGid" TEXT,
    "tierKey" TEXT NOT NULL,
    "laneKey" TEXT NOT NULL,
    "orderedAt" DATETIME NOT NULL,
    "intakeDay" TEXT NOT NULL,
    "shipByEarliest" DATETIME NOT NULL,
    "shipBy" DATETIME NOT NULL,
    "shipByDay" TEXT NOT NULL,
    "arriveZone" TEXT,
    "arriveEarliestDay" TEXT,
    "arriveLatestDay" TEXT,
    "adjustments" TEXT NOT NULL DEFAULT '[]',
    "conflict" TEXT,
    "overdueWhenMade" BOOLEAN NOT NULL DEFAULT false,
    "rulesVersion" INTEGER NOT NULL DEFAULT 0,
    "madeAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "writeStatus" TEXT NOT NULL DEFAULT 'pending',
    "deadlineFulfillmentOrders" TEXT NOT NULL DEFAULT '[]',
    "writtenAt" DATETIME,
    "writeAttempts" INTEGER NOT NULL DEFAULT 0,
    "writeError" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "shippedAt" DATETIME,
    "outcome" TEXT,
    "cancelledAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "orderGid")
);

-- CreateIndex
CREATE INDEX "OrderPromise_shop_laneKey_shipByDay_idx" ON "OrderPromise"("shop", "laneKey", "shipByDay");

-- CreateIndex
CREATE INDEX "OrderPromise_shop_status_shipBy_idx" ON "OrderPromise"("shop", "status", "shipBy");

-- CreateIndex
CREATE INDEX "OrderPromise_shop_writeStatus_idx" ON "OrderPromise"("shop", "writeStatus");

