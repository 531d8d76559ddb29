-- AlterTable
ALTER TABLE "ReplenishmentDecision" ADD COLUMN "resolution" TEXT;
ALTER TABLE "ReplenishmentDecision" ADD COLUMN "resolvedAt" DATETIME;

