-- AlterTable
ALTER TABLE "ReplenishmentRequest" ADD COLUMN "awardedLeadBusinessDays" INTEGER;
ALTER TABLE "ReplenishmentRequest" ADD COLUMN "suppliedAt" DATETIME;

-- CreateIndex
CREATE INDEX "ReplenishmentRequest_shop_sku_status_idx" ON "ReplenishmentRequest"("shop", "sku", "status");

