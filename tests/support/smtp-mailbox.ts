// A local SMTP server for tests (smtp-server): every delivery is recorded raw and parsed; the
// mailbox keeps one message per Message-ID, as mail systems do with a repeated message.
// `holdFirst` keeps the first delivery of each Message-ID unanswered (the sender's SMTP DATA never
// completes), so a test can kill the sender mid-send.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export type ReceivedMail = { from: string; to: string[]; headers: Map<string, string>; subject: string; messageId: string; text: string; raw: string };

export interface SmtpMailbox {
  url: string;
  /** Every completed delivery, in order (repeats included). */
  deliveries: ReceivedMail[];
  /** One message per Message-ID. */
  messages(): ReceivedMail[];
  /** Deliveries that reached DATA, completed or not, by Message-ID. */
  attempts(messageId: string): number;
  holdFirst: boolean;
  close(): Promise<void>;
}

function decodeQuotedPrintable(body: string): string {
  const bytes = Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1");
  return bytes.toString("utf8");
}

export function parseMail(raw: string, envelope: { from: string; to: string[] }): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let text = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers.get("content-transfer-encoding") ?? "")) text = decodeQuotedPrintable(text);
  if (/base64/i.test(headers.get("content-transfer-encoding") ?? "")) text = Buffer.from(text, "base64").toString("utf8");
  return { ...envelope, headers, subject: headers.get("subject") ?? "", messageId: headers.get("message-id") ?? "", text: text.replace(/\r\n/g, "\n"), raw };
}

export async function startSmtpMailbox(): Promise<SmtpMailbox> {
  const deliveries: ReceivedMail[] = [];
  const attempts = new Map<string, number>();
  const mailbox: SmtpMailbox = {
    url: "",
    deliveries,
    holdFirst: false,
    messages: () => [...new Map(deliveries.map((m) => [m.messageId, m])).values()],
    attempts: (id) => attempts.get(id) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // A held connection is dropped at close instead of waiting 30 s.
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const mail = parseMail(raw, { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address) });
        const seen = attempts.get(mail.messageId) ?? 0;
        attempts.set(mail.messageId, seen + 1);
        // Held: never answered, so the sender waits (until it is killed).
        if (mailbox.holdFirst && seen === 0) return;
        deliveries.push(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  mailbox.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return mailbox;
}
