-- AlterTable
ALTER TABLE "OrderPromise" ADD COLUMN "destinationCountry" TEXT;
ALTER TABLE "OrderPromise" ADD COLUMN "destinationProvince" TEXT;

