-- CreateTable
CREATE TABLE "PromiseShipmentLine" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "orderGid" TEXT,
    "fulfillmentGid" TEXT,
    "lineItemGid" TEXT,
    "sku" TEXT,
    "quantity" INTEGER NOT NULL,
    "fulfillmentStatus" TEXT NOT NULL,
    "shippedAt" DATETIME NOT NULL,
    "fulfillmentUpdatedAt" DATETIME NOT NULL,
    "tierKey" TEXT,
    "laneKey" TEXT,
    "shipBy" DATETIME,
    "shipDay" TEXT,
    "outcome" TEXT,
    "lateByWorkingDays" INTEGER,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "PromiseOrderShipping" (
    "shop" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "lines" TEXT NOT NULL,
    "orderUpdatedAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "orderGid")
);

-- CreateIndex
CREATE INDEX "PromiseShipmentLine_shop_orderGid_idx" ON "PromiseShipmentLine"("shop", "orderGid");

-- CreateIndex
CREATE INDEX "PromiseShipmentLine_shop_shipDay_idx" ON "PromiseShipmentLine"("shop", "shipDay");

-- CreateIndex
CREATE UNIQUE INDEX "PromiseShipmentLine_shop_fulfillmentGid_lineItemGid_key" ON "PromiseShipmentLine"("shop", "fulfillmentGid", "lineItemGid");

