-- CreateTable
CREATE TABLE "KpiDailyFact" (
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "tierKey" TEXT NOT NULL,
    "dim" TEXT NOT NULL,
    "value" BIGINT NOT NULL,

    CONSTRAINT "KpiDailyFact_pkey" PRIMARY KEY ("shop","day","metric","tierKey","dim")
);

-- CreateTable
CREATE TABLE "KpiRollupState" (
    "shop" TEXT NOT NULL,
    "rolledUntil" TIMESTAMP(3),
    "members" TEXT,
    "membersComputedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KpiRollupState_pkey" PRIMARY KEY ("shop")
);

