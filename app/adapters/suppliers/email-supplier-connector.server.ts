/**
 * The email connector, for suppliers without an HTTPS endpoint: the RFQ goes out as a plain-text
 * email over SMTP (nodemailer); the supplier replies by email and the merchant types the reply on
 * the Replenishment page (entered-quotation.ts).
 *
 * Exported API
 * - type RfqMailer = { sendRfq(input): Promise<void> }
 * - createSmtpMailer({ smtpUrl, from }): RfqMailer        SMTP_URL, e.g. smtps://user:pass@mail.example:465
 * - rfqMessageId(sendKey, from): string                   the Message-ID every send of one RFQ carries
 * - rfqEmail(input): { subject, text, headers }           what the supplier reads
 *   sendRfq throws SupplierSendError (retryable: connection trouble and SMTP 4xx; not: 5xx, a refused address)
 *
 * Idempotency, as the HTTPS connector's Idempotency-Key: every send of one RFQ carries the same
 * Message-ID, derived from the RFQ row's send key. A worker that died after the server took the
 * message but before the RFQ was marked sent resends it with that Message-ID, and mail systems
 * treat a repeated Message-ID as the same message (one copy in the supplier's mailbox).
 */
import nodemailer from "nodemailer";
import { currencyExponent, formatMoney } from "../../domain/money.ts";
import type { RequestForQuotation } from "../../domain/procurement-documents.ts";
import { SupplierSendError } from "./https-supplier-connector.server.ts";

export type RfqEmailInput = { to: string; sendKey: string; rfq: RequestForQuotation; shopName: string };

export interface RfqMailer {
  sendRfq(input: RfqEmailInput): Promise<void>;
}

/** The key has a UUID part; what is left of the from-address after @ names the sender's domain. */
export function rfqMessageId(sendKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "tierline.invalid";
  return `<${sendKey.replace(/[^A-Za-z0-9._-]/g, "-")}@${domain}>`;
}

export function rfqEmail(input: RfqEmailInput): { subject: string; text: string; headers: Record<string, string> } {
  const { rfq } = input;
  const line = rfq.requestForQuotationLines[0].lineItem;
  const item = line.item.sellersItemId ? `${line.item.buyersItemId} (your item ${line.item.sellersItemId})` : line.item.buyersItemId;
  const deadline = rfq.validityPeriod.endDate.toISOString().replace(/\.\d{3}Z$/, "Z");
  const amountExample = currencyExponent(rfq.documentCurrencyCode) === 0 ? "1250" : formatMoney(1250, rfq.documentCurrencyCode);
  const text = [
    `Hello ${rfq.sellerSupplierParty.name},`,
    "",
    `${input.shopName} asks you for a quotation:`,
    "",
    `  Reference:      ${rfq.id}`,
    `  Item:           ${item}`,
    `  Quantity:       ${line.quantity} units`,
    `  Needed within:  ${rfq.requestedDeliveryPeriod.withinBusinessDays} business days`,
    `  Currency:       ${rfq.documentCurrencyCode}`,
    `  Please answer by ${deadline} (UTC).`,
    "",
    "Please reply to this email, keeping the reference, with:",
    `  - your unit price in ${rfq.documentCurrencyCode} (for example ${amountExample})`,
    "  - how many units you can deliver",
    "  - your lead time in business days",
    "  - the last day your price holds",
    "",
    "If you cannot quote, a short reply saying so is welcome.",
  ].join("\n");
  return { subject: `Request for quotation ${rfq.id}: ${line.quantity} units of ${line.item.buyersItemId}`, text, headers: { "X-Tierline-Reference": rfq.id } };
}

export function createSmtpMailer(config: { smtpUrl: string; from: string; timeoutMs?: number }): RfqMailer & { close(): void } {
  const timeout = config.timeoutMs ?? 20_000;
  const transport = nodemailer.createTransport({ url: config.smtpUrl, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout });
  return {
    async sendRfq(input) {
      const mail = rfqEmail(input);
      try {
        await transport.sendMail({ from: config.from, to: input.to, subject: mail.subject, text: mail.text, headers: mail.headers, messageId: rfqMessageId(input.sendKey, config.from) });
      } catch (error) {
        const { responseCode, code, message } = error as { responseCode?: number; code?: string; message: string };
        // SMTP 4xx is "try again later"; 5xx (a refused address, a rejected message) will not change on retry.
        const retryable = responseCode === undefined ? code !== "EENVELOPE" : responseCode < 500;
        throw new SupplierSendError(`RFQ ${input.rfq.id}: email not sent: ${message}`, retryable);
      }
    },
    close() {
      transport.close();
    },
  };
}
