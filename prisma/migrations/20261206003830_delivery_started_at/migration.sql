-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN "startedAt" DATETIME;

