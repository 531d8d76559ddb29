// The email connector against real SMTP servers this test starts (smtp-server): the RFQ arrives
// with its reference and the Message-ID of its send key (the same for every send of one RFQ);
// a server that says "try later" (4xx) or cannot be reached is worth a retry, a refused address
// (5xx) is not.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, describe, expect, it } from "vitest";
import { requestForQuotation } from "../../domain/procurement-documents.ts";
import { startSmtpMailbox } from "../../../tests/support/smtp-mailbox.ts";
import { createSmtpMailer, rfqMessageId } from "./email-supplier-connector.server.ts";
import { SupplierSendError } from "./https-supplier-connector.server.ts";

const FROM = "Shop Buying <buying@shop.example>";
const RFQ = requestForQuotation({
  requestId: "req1", issuedAt: new Date("2026-12-03T09:00:00Z"), deadline: new Date("2026-12-03T10:00:00Z"), buyer: { id: "shop", name: "Shop" }, supplier: { id: "sup1", name: "Bolt" },
  sku: "MUG-1", suppliersItemId: "B-9", locationId: "gid://shopify/Location/1", quantity: 120, neededWithinBusinessDays: 6, currency: "JPY",
});

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

/** A server that answers every recipient with `code`. */
async function refusing(code: number): Promise<string> {
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
    onRcptTo(_address, _session, callback) {
      callback(Object.assign(new Error(code >= 500 ? "no such mailbox" : "mailbox busy, try later"), { responseCode: code }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  stops.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}

const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as SupplierSendError);

describe("the email connector", () => {
  it("delivers the RFQ with its reference, what is asked, and the Message-ID of its send key, the same on every send", async () => {
    const mailbox = await startSmtpMailbox();
    stops.push(() => mailbox.close());
    const mailer = createSmtpMailer({ smtpUrl: mailbox.url, from: FROM });
    try {
      await mailer.sendRfq({ to: "quotes@bolt.example", sendKey: "RFQ-req1-sup1.7c1e", rfq: RFQ, shopName: "The Mug Shop" });
      await mailer.sendRfq({ to: "quotes@bolt.example", sendKey: "RFQ-req1-sup1.7c1e", rfq: RFQ, shopName: "The Mug Shop" });
    } finally {
      mailer.close();
    }
    expect(mailbox.deliveries).toHaveLength(2);
    expect(mailbox.messages()).toHaveLength(1);
    const [mail] = mailbox.messages();
    expect(mail.messageId).toBe("<RFQ-req1-sup1.7c1e@shop.example>");
    expect(mail.messageId).toBe(rfqMessageId("RFQ-req1-sup1.7c1e", FROM));
    expect(mail.headers.get("x-tierline-reference")).toBe("RFQ-req1-sup1");
    expect(mail.subject).toBe("Request for quotation RFQ-req1-sup1: 120 units of MUG-1");
    expect(mail.text).toContain("The Mug Shop asks you for a quotation:");
    expect(mail.text).toContain("Item:           MUG-1 (your item B-9)");
    expect(mail.text).toContain("Please answer by 2026-12-03T10:00:00Z (UTC).");
    // Yen have no minor unit: the example amount has no decimals.
    expect(mail.text).toContain("your unit price in JPY (for example 1250)");
  });

  it("retries a server that says try later or cannot be reached; gives up on a refused address", async () => {
    const send = async (smtpUrl: string) => {
      const mailer = createSmtpMailer({ smtpUrl, from: FROM, timeoutMs: 2_000 });
      try {
        return await failure(mailer.sendRfq({ to: "quotes@bolt.example", sendKey: "k", rfq: RFQ, shopName: "Shop" }));
      } finally {
        mailer.close();
      }
    };
    const busy = await send(await refusing(451));
    expect(busy).toBeInstanceOf(SupplierSendError);
    expect(busy?.retryable).toBe(true);
    const refused = await send(await refusing(550));
    expect(refused).toMatchObject({ retryable: false, message: expect.stringMatching(/^RFQ RFQ-req1-sup1: email not sent: .*no such mailbox/) });
    // Nothing listens on port 9 of this machine (discard service, closed).
    expect(await send("smtp://127.0.0.1:9")).toMatchObject({ retryable: true });
  });
});
