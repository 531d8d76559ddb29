-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "syncDueAt" DATETIME;

