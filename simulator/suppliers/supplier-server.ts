/**
 * Simulated suppliers at the network edge: one HTTP server hosting several suppliers, each at
 * POST /suppliers/:name/rfq, speaking Tierline's HTTPS JSON connector (signed RFQ in, signed
 * Quotation back to the RFQ's `replyTo`). Deterministic from a seed: the same seed, profile and RFQ
 * give the same quote.
 *
 * Behaviours
 * - fast: answers at once; slow: answers after `delayMs`; expensive: 60 % above its base price;
 * - partial: offers half the quantity; silent: never answers; malformed: answers a broken document;
 * - decline: answers a QuotationDecline; flaky: refuses the first delivery of each RFQ with 503;
 * - hang: keeps the first delivery of each RFQ but never answers its HTTP request (the sender's
 *   worker can be killed mid-send); the repeated delivery (same key) is acknowledged and answered once.
 *
 * Idempotency: a second delivery with an `Idempotency-Key` already seen is acknowledged and kept
 * once (no second quote). `received(name)` lists the distinct RFQs, `deliveries(name)` counts every POST.
 * A request whose signature does not match the supplier's secret is refused with 401.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type SupplierBehaviour = "fast" | "slow" | "expensive" | "partial" | "silent" | "malformed" | "decline" | "flaky" | "hang";

export interface SimSupplierProfile {
  /** The path segment, e.g. "acme": POST /suppliers/acme/rfq. */
  name: string;
  behaviour: SupplierBehaviour;
  secret: string;
  baseUnitPriceMinor: number;
  leadBusinessDays: number;
  /** For slow: how long before it answers. */
  delayMs?: number;
  /** Minutes the quote stays valid (default 24 h). */
  validMinutes?: number;
}

type Rfq = {
  id: string;
  sellerSupplierParty: { id: string; name: string };
  documentCurrencyCode: string;
  requestForQuotationLines: { lineItem: { item: { buyersItemId: string; sellersItemId: string | null }; quantity: number } }[];
};

export interface ReceivedRfq {
  key: string;
  rfq: Rfq;
  replyTo: string;
  receivedAt: Date;
  answered: { status: number } | null;
}

export interface RunningSuppliers {
  origin: string;
  endpoint(name: string): string;
  received(name: string): ReceivedRfq[];
  deliveries(name: string): number;
  /** Answers not yet delivered (slow suppliers waiting). */
  pending(): number;
  close(): Promise<void>;
}

function sign(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

function signatureMatches(body: string, given: string | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(sign(body, secret), "base64");
  const b = Buffer.from(given, "base64");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A small deterministic PRNG (mulberry32) over the seed, the supplier and the RFQ. */
function unitRandom(seed: number, text: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 2654435761) >>> 0;
  let t = (h + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The Quotation a profile answers an RFQ with (the decline and malformed bodies included). */
export function answerFor(profile: SimSupplierProfile, rfq: Rfq, seed: number, now: Date): Record<string, unknown> {
  const line = rfq.requestForQuotationLines[0].lineItem;
  const reference = { id: rfq.id };
  if (profile.behaviour === "decline") return { documentType: "QuotationDecline", requestForQuotationDocumentReference: reference, reason: "no capacity this month" };
  if (profile.behaviour === "malformed") return { documentType: "Quotation", id: `Q-${rfq.id}`, requestForQuotationDocumentReference: reference, quotationLines: "call us" };
  // Up to 3 % either side of the base price, the same for the same seed and RFQ.
  const jitter = 0.97 + unitRandom(seed, `${profile.name}|${rfq.id}`) * 0.06;
  const base = profile.behaviour === "expensive" ? profile.baseUnitPriceMinor * 1.6 : profile.baseUnitPriceMinor;
  const quantity = profile.behaviour === "partial" ? Math.floor(line.quantity / 2) : line.quantity;
  return {
    documentType: "Quotation",
    id: `Q-${profile.name}-${rfq.id}`,
    issueDate: now.toISOString(),
    requestForQuotationDocumentReference: reference,
    sellerSupplierParty: rfq.sellerSupplierParty,
    validityPeriod: { endDate: new Date(now.getTime() + (profile.validMinutes ?? 24 * 60) * 60_000).toISOString() },
    documentCurrencyCode: rfq.documentCurrencyCode,
    quotationLines: [
      {
        id: "1",
        lineItem: {
          item: line.item,
          quantity,
          price: { priceAmount: { amountMinor: Math.round(base * jitter), currencyId: rfq.documentCurrencyCode } },
          estimatedDeliveryPeriod: { businessDays: profile.leadBusinessDays },
        },
      },
    ],
  };
}

export async function startSimulatedSuppliers(options: { profiles: SimSupplierProfile[]; seed?: number; host?: string; port?: number }): Promise<RunningSuppliers> {
  const seed = options.seed ?? 1;
  const profiles = new Map(options.profiles.map((p) => [p.name, p]));
  const received = new Map<string, Map<string, ReceivedRfq>>();
  const deliveries = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<ServerResponse>();
  const answering = new Set<ReceivedRfq>();
  let closing = false;

  const deliver = async (profile: SimSupplierProfile, entry: ReceivedRfq) => {
    if (closing) return;
    const body = JSON.stringify(answerFor(profile, entry.rfq, seed, new Date()));
    try {
      const response = await fetch(entry.replyTo, { method: "POST", headers: { "Content-Type": "application/json", "X-Tierline-Signature": sign(body, profile.secret) }, body });
      await response.text();
      entry.answered = { status: response.status };
    } catch {
      entry.answered = { status: 0 };
    }
  };

  const server: Server = createServer(async (req, res) => {
    const match = /^\/suppliers\/([^/]+)\/rfq$/.exec(req.url ?? "");
    const profile = match ? profiles.get(decodeURIComponent(match[1])) : undefined;
    const body = await readBody(req);
    if (req.method !== "POST" || !profile) {
      res.writeHead(404).end();
      return;
    }
    deliveries.set(profile.name, (deliveries.get(profile.name) ?? 0) + 1);
    if (!signatureMatches(body, req.headers["x-tierline-signature"] as string | undefined, profile.secret)) {
      res.writeHead(401).end();
      return;
    }
    const key = req.headers["idempotency-key"] as string | undefined;
    let message: { rfq: Rfq; replyTo: string };
    try {
      message = JSON.parse(body);
      if (!key || !message.rfq?.id || !message.replyTo) throw new Error("incomplete");
    } catch {
      res.writeHead(400).end();
      return;
    }
    const mine = received.get(profile.name) ?? new Map<string, ReceivedRfq>();
    received.set(profile.name, mine);
    const seen = mine.get(key);
    if (profile.behaviour === "flaky" && !seen && (deliveries.get(`${profile.name}|${key}`) ?? 0) === 0) {
      deliveries.set(`${profile.name}|${key}`, 1);
      res.writeHead(503).end();
      return;
    }
    const schedule = (entry: ReceivedRfq) => {
      const delay = profile.behaviour === "slow" ? (profile.delayMs ?? 2_000) : 5;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void deliver(profile, entry);
      }, delay);
      timers.add(timer);
    };
    if (profile.behaviour === "hang" && !seen) {
      mine.set(key, { key, rfq: message.rfq, replyTo: message.replyTo, receivedAt: new Date(), answered: null });
      hanging.add(res);
      return;
    }
    res.writeHead(202, { "Content-Type": "application/json" }).end(JSON.stringify({ accepted: true, duplicate: Boolean(seen) }));
    if (seen) {
      if (profile.behaviour === "hang" && !answering.has(seen)) {
        answering.add(seen);
        schedule(seen);
      }
      return;
    }
    const entry: ReceivedRfq = { key, rfq: message.rfq, replyTo: message.replyTo, receivedAt: new Date(), answered: null };
    mine.set(key, entry);
    if (profile.behaviour === "silent") return;
    schedule(entry);
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${options.host ?? "127.0.0.1"}:${port}`;
  return {
    origin,
    endpoint: (name) => `${origin}/suppliers/${encodeURIComponent(name)}/rfq`,
    received: (name) => [...(received.get(name)?.values() ?? [])],
    deliveries: (name) => deliveries.get(name) ?? 0,
    pending: () => timers.size,
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
