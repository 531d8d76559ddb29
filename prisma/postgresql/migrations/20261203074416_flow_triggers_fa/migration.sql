-- AlterTable
ALTER TABLE "TierChange" ADD COLUMN     "flowDue" BOOLEAN NOT NULL DEFAULT true;
-- Changes recorded before Flow triggers existed are history, not news: never fired.
UPDATE "TierChange" SET "flowDue" = false;

-- CreateTable
CREATE TABLE "FlowTriggerFiring" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "eventKey" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'due',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firedAt" TIMESTAMP(3),

    CONSTRAINT "FlowTriggerFiring_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FlowTriggerFiring_shop_status_idx" ON "FlowTriggerFiring"("shop", "status");

-- CreateIndex
CREATE UNIQUE INDEX "FlowTriggerFiring_shop_handle_eventKey_key" ON "FlowTriggerFiring"("shop", "handle", "eventKey");

-- CreateIndex
CREATE INDEX "TierChange_shop_flowDue_idx" ON "TierChange"("shop", "flowDue");

