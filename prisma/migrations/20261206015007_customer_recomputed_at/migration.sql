-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "recomputedAt" DATETIME;

