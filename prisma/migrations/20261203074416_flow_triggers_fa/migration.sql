-- CreateTable
CREATE TABLE "FlowTriggerFiring" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "eventKey" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'due',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firedAt" DATETIME
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_TierChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "fromTier" TEXT,
    "toTier" TEXT,
    "reason" TEXT NOT NULL,
    "spend" INTEGER NOT NULL,
    "occurredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "flowDue" BOOLEAN NOT NULL DEFAULT true
);
INSERT INTO "new_TierChange" ("customerGid", "fromTier", "id", "occurredAt", "reason", "shop", "spend", "toTier") SELECT "customerGid", "fromTier", "id", "occurredAt", "reason", "shop", "spend", "toTier" FROM "TierChange";
-- Changes recorded before Flow triggers existed are history, not news: never fired.
UPDATE "new_TierChange" SET "flowDue" = false;
DROP TABLE "TierChange";
ALTER TABLE "new_TierChange" RENAME TO "TierChange";
CREATE INDEX "TierChange_shop_occurredAt_idx" ON "TierChange"("shop", "occurredAt");
CREATE INDEX "TierChange_shop_customerGid_occurredAt_idx" ON "TierChange"("shop", "customerGid", "occurredAt");
CREATE INDEX "TierChange_shop_flowDue_idx" ON "TierChange"("shop", "flowDue");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "FlowTriggerFiring_shop_status_idx" ON "FlowTriggerFiring"("shop", "status");

-- CreateIndex
CREATE UNIQUE INDEX "FlowTriggerFiring_shop_handle_eventKey_key" ON "FlowTriggerFiring"("shop", "handle", "eventKey");

