-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SkuReplenishment" (
    "shop" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "replenishmentBusinessDays" INTEGER NOT NULL,
    "priorityCapacityUnits" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "sku")
);
INSERT INTO "new_SkuReplenishment" ("replenishmentBusinessDays", "shop", "sku", "updatedAt") SELECT "replenishmentBusinessDays", "shop", "sku", "updatedAt" FROM "SkuReplenishment";
DROP TABLE "SkuReplenishment";
ALTER TABLE "new_SkuReplenishment" RENAME TO "SkuReplenishment";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

