-- AlterTable
ALTER TABLE "SkuSupplier" ADD COLUMN "sku" TEXT;

