-- CreateTable
CREATE TABLE "TierRecomputeRun" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "rulesVersion" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "done" INTEGER NOT NULL DEFAULT 0,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

