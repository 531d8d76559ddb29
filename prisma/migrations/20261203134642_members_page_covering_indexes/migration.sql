-- DropIndex
DROP INDEX "Customer_shop_tierKey_idx";

-- DropIndex
DROP INDEX "Customer_shop_qualifyingSpend_idx";

-- CreateIndex
CREATE INDEX "Customer_shop_tierKey_deletedAt_idx" ON "Customer"("shop", "tierKey", "deletedAt");

-- CreateIndex
CREATE INDEX "Customer_shop_qualifyingSpend_customerGid_tierKey_deletedAt_idx" ON "Customer"("shop", "qualifyingSpend", "customerGid", "tierKey", "deletedAt");

-- CreateIndex
CREATE INDEX "Customer_shop_tierSince_customerGid_idx" ON "Customer"("shop", "tierSince", "customerGid");

