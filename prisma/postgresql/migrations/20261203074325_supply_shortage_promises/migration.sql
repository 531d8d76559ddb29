-- AlterTable
ALTER TABLE "ReplenishmentRequest" ADD COLUMN     "awardedLeadBusinessDays" INTEGER,
ADD COLUMN     "suppliedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "ReplenishmentRequest_shop_sku_status_idx" ON "ReplenishmentRequest"("shop", "sku", "status");

