-- AlterTable
ALTER TABLE "ReplenishmentDecision" ADD COLUMN     "resolution" TEXT,
ADD COLUMN     "resolvedAt" TIMESTAMP(3);

