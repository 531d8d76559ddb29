-- CreateTable
CREATE TABLE "PromiseShipmentLine" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "orderGid" TEXT,
    "fulfillmentGid" TEXT,
    "lineItemGid" TEXT,
    "sku" TEXT,
    "quantity" INTEGER NOT NULL,
    "fulfillmentStatus" TEXT NOT NULL,
    "shippedAt" TIMESTAMP(3) NOT NULL,
    "fulfillmentUpdatedAt" TIMESTAMP(3) NOT NULL,
    "tierKey" TEXT,
    "laneKey" TEXT,
    "shipBy" TIMESTAMP(3),
    "shipDay" TEXT,
    "outcome" TEXT,
    "lateByWorkingDays" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PromiseShipmentLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromiseOrderShipping" (
    "shop" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "lines" TEXT NOT NULL,
    "orderUpdatedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PromiseOrderShipping_pkey" PRIMARY KEY ("shop","orderGid")
);

-- CreateIndex
CREATE INDEX "PromiseShipmentLine_shop_orderGid_idx" ON "PromiseShipmentLine"("shop", "orderGid");

-- CreateIndex
CREATE INDEX "PromiseShipmentLine_shop_shipDay_idx" ON "PromiseShipmentLine"("shop", "shipDay");

-- CreateIndex
CREATE UNIQUE INDEX "PromiseShipmentLine_shop_fulfillmentGid_lineItemGid_key" ON "PromiseShipmentLine"("shop", "fulfillmentGid", "lineItemGid");

