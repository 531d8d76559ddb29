-- CreateTable
CREATE TABLE "ErasureTombstone" (
    "shop" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ErasureTombstone_pkey" PRIMARY KEY ("shop","digest")
);

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "payloadErasedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "WebhookDelivery_payloadErasedAt_receivedAt_idx" ON "WebhookDelivery"("payloadErasedAt", "receivedAt");
