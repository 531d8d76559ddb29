-- CreateTable
CREATE TABLE "LedgerAdjustment" (
    "shop" TEXT NOT NULL,
    "adjustmentId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currencyCode" TEXT NOT NULL,
    "effectiveAt" TIMESTAMP(3) NOT NULL,
    "note" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerAdjustment_pkey" PRIMARY KEY ("shop","adjustmentId")
);

-- CreateIndex
CREATE INDEX "LedgerAdjustment_shop_customerGid_idx" ON "LedgerAdjustment"("shop", "customerGid");

