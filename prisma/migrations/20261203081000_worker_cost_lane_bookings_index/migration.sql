-- DropIndex
DROP INDEX "OrderPromise_shop_laneKey_shipByDay_idx";

-- CreateIndex
CREATE INDEX "OrderPromise_shop_laneKey_status_shipByDay_idx" ON "OrderPromise"("shop", "laneKey", "status", "shipByDay");

