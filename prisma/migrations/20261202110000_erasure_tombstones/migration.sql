-- CreateTable
CREATE TABLE "ErasureTombstone" (
    "shop" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "erasedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shop", "digest")
);

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN "payloadErasedAt" DATETIME;

-- CreateIndex
CREATE INDEX "WebhookDelivery_payloadErasedAt_receivedAt_idx" ON "WebhookDelivery"("payloadErasedAt", "receivedAt");
