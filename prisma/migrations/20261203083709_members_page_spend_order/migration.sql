-- CreateIndex
CREATE INDEX "Customer_shop_qualifyingSpend_idx" ON "Customer"("shop", "qualifyingSpend");

