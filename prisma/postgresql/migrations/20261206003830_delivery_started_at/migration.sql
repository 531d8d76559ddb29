-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "startedAt" TIMESTAMP(3);

