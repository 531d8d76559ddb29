-- CreateTable
CREATE TABLE "LedgerAdjustment" (
    "shop" TEXT NOT NULL,
    "adjustmentId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currencyCode" TEXT NOT NULL,
    "effectiveAt" DATETIME NOT NULL,
    "note" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shop", "adjustmentId")
);

-- CreateIndex
CREATE INDEX "LedgerAdjustment_shop_customerGid_idx" ON "LedgerAdjustment"("shop", "customerGid");

