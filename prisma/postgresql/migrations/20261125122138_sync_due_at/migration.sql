-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "syncDueAt" TIMESTAMP(3);

