-- CreateTable
CREATE TABLE "TierRecomputeRun" (
    "shop" TEXT NOT NULL,
    "rulesVersion" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "done" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TierRecomputeRun_pkey" PRIMARY KEY ("shop")
);

