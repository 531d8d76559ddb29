-- AlterTable
ALTER TABLE "SkuReplenishment" ADD COLUMN "priorityCapacityUnits" INTEGER NOT NULL DEFAULT 0;
