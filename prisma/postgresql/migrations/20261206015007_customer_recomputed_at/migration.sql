-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "recomputedAt" TIMESTAMP(3);

