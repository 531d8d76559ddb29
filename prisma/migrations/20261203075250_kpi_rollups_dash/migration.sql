-- CreateTable
CREATE TABLE "KpiDailyFact" (
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "tierKey" TEXT NOT NULL,
    "dim" TEXT NOT NULL,
    "value" BIGINT NOT NULL,

    PRIMARY KEY ("shop", "day", "metric", "tierKey", "dim")
);

-- CreateTable
CREATE TABLE "KpiRollupState" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "rolledUntil" DATETIME,
    "members" TEXT,
    "membersComputedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

