-- AlterTable
ALTER TABLE "OrderPromise" ADD COLUMN "tagOperationGid" TEXT;
ALTER TABLE "OrderPromise" ADD COLUMN "tagOperationLine" INTEGER;

-- CreateIndex
CREATE INDEX "OrderPromise_shop_tagOperationGid_idx" ON "OrderPromise"("shop", "tagOperationGid");

