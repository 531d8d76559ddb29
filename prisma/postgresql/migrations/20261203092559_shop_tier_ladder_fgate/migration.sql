-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "tierLadderDue" BOOLEAN NOT NULL DEFAULT true;

