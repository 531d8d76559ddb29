-- AlterTable
ALTER TABLE "OrderPromise" ADD COLUMN     "destinationCountry" TEXT,
ADD COLUMN     "destinationProvince" TEXT;

