/**
 * The replenishment fan-out on BullMQ: one flow per request, a "decide" parent (queue
 * replenishment-decide) over one "ask" child per supplier (queue replenishment-ask).
 *
 * Exported API
 * - startRequestFlow(flows, queues, db, shop, requestId)   adds the flow once (job ids from the request and RFQs)
 * - createAskProcessor(deps)      send the RFQ once, then wait (delayed job) for the answer or the deadline
 * - createDecideProcessor(deps)   runs when every ask has finished: decide, award or escalate
 * - inventoryLevelHandler(ports)  the inventory_levels/update webhook handler, with the worker's ports
 *
 * An ask child: pending/sending → POST (or email) the RFQ with its send key (a retry or a worker that died
 * mid-send resends with the same key, which the supplier keeps once) → sent → it looks again every
 * `pollMs` (or when the callback promotes it) until the RFQ is answered or the deadline passes,
 * when the supplier is recorded as never having answered. A send that fails for good marks the
 * RFQ failed; the parent is told to go on without it (ignoreDependencyOnFailure).
 */
import { DelayedError, FlowProducer, Job, UnrecoverableError, type Queue } from "bullmq";
import type { Db } from "../db.server.ts";
import type { Logger } from "../logger.server.ts";
import type { JobQueues } from "../adapters/queues/job-queues.server.ts";
import { QUEUES, type JobPayload } from "../adapters/queues/queue-registry.ts";
import { askJobId, decideJobId } from "../adapters/queues/replenishment-job-ids.server.ts";
import type { AdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { sendRfq, SupplierSendError } from "../adapters/suppliers/https-supplier-connector.server.ts";
import type { RfqMailer } from "../adapters/suppliers/email-supplier-connector.server.ts";
import { applyInventoryLevelWebhook, decideRequest, type ReplenishmentPorts } from "../use-cases/replenishment-requests.server.ts";
import type { WebhookContext, WebhookOutcome } from "../use-cases/webhook-context.ts";
import type { RequestForQuotation } from "../domain/procurement-documents.ts";

export const ASK_ATTEMPTS = 6;
const FINISHED = new Set(["answered", "declined", "no_answer", "failed"]);


export async function startRequestFlow(flows: FlowProducer, queues: JobQueues, db: Db, shop: string, requestId: string): Promise<boolean> {
  // The parent's id is the request's: a flow already added (by an earlier attempt) is not added again.
  if (await Job.fromId(queues.replenishmentDecide as Queue, decideJobId(requestId))) return false;
  const request = await db.replenishmentRequest.findFirstOrThrow({ where: { id: requestId, shop } });
  const rfqs = await db.supplierRfq.findMany({ where: { requestId }, orderBy: { id: "asc" } });
  const priority = request.jobPriority;
  await flows.add({
    name: "decide",
    queueName: QUEUES.replenishmentDecide.name,
    data: { shop, requestId } satisfies JobPayload<"replenishmentDecide">,
    opts: { jobId: decideJobId(requestId), priority, attempts: 10, backoff: { type: "exponential", delay: 1_000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3_600 } },
    children: rfqs.map((rfq) => ({
      name: "ask",
      queueName: QUEUES.replenishmentAsk.name,
      data: { shop, requestId, rfqId: rfq.id } satisfies JobPayload<"replenishmentAsk">,
      opts: {
        jobId: askJobId(rfq.id),
        priority,
        attempts: ASK_ATTEMPTS,
        backoff: { type: "exponential", delay: 500 },
        ignoreDependencyOnFailure: true,
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3_600 },
      },
    })),
  });
  return true;
}

export interface AskDeps {
  db: Db;
  /** Where suppliers POST their answers: `${appUrl}/suppliers/${supplierId}/answers`. */
  appUrl: string;
  /** How often a sent RFQ looks for its answer (the callback also wakes it). */
  pollMs: number;
  /** Sends RFQs to email suppliers; null when SMTP_URL is not set (their RFQs fail with that reason). */
  mailer?: RfqMailer | null;
  now?: () => Date;
  log?: Logger;
}

export function callbackUrl(appUrl: string, supplierId: string): string {
  return new URL(`/suppliers/${encodeURIComponent(supplierId)}/answers`, appUrl).toString();
}

export function createAskProcessor(deps: AskDeps) {
  const now = deps.now ?? (() => new Date());
  return async function processAsk(job: Job<JobPayload<"replenishmentAsk">>, token?: string): Promise<string> {
    const data = QUEUES.replenishmentAsk.payload.parse(job.data);
    const rfq = await deps.db.supplierRfq.findFirst({ where: { id: data.rfqId, shop: data.shop } });
    if (!rfq) throw new UnrecoverableError(`RFQ ${data.rfqId} not found`);
    const request = await deps.db.replenishmentRequest.findUniqueOrThrow({ where: { id: rfq.requestId } });
    if (FINISHED.has(rfq.status)) return rfq.status;
    if (request.status !== "open") return `request ${request.status}`;
    const at = now();
    if (at.getTime() >= request.deadline.getTime()) {
      await deps.db.supplierRfq.updateMany({ where: { id: rfq.id, status: { in: ["pending", "sending", "sent"] } }, data: { status: "no_answer" } });
      return "no_answer";
    }
    if (rfq.status === "pending" || rfq.status === "sending") {
      const supplier = await deps.db.supplier.findUniqueOrThrow({ where: { id: rfq.supplierId } });
      const cannotSend =
        supplier.connector === "email"
          ? !supplier.email
            ? "the supplier has no email address"
            : !deps.mailer
              ? "email is not set up (SMTP_URL)"
              : null
          : supplier.connector !== "https" || !supplier.endpointUrl
            ? `connector ${supplier.connector} has no endpoint`
            : null;
      if (cannotSend) {
        await deps.db.supplierRfq.update({ where: { id: rfq.id }, data: { status: "failed", lastError: cannotSend } });
        return "failed";
      }
      // Marked before the send: a worker that dies after it resends with the same key (HTTPS
      // Idempotency-Key, email Message-ID), which the supplier keeps once.
      await deps.db.supplierRfq.update({ where: { id: rfq.id }, data: { status: "sending", sendingAt: at, attempts: { increment: 1 } } });
      const document = JSON.parse(rfq.document) as RequestForQuotation;
      try {
        if (supplier.connector === "email") {
          const shopRow = await deps.db.shop.findUnique({ where: { domain: rfq.shop }, select: { name: true } });
          await deps.mailer!.sendRfq({ to: supplier.email!, sendKey: rfq.sendKey, rfq: reviveDates(document), shopName: shopRow?.name ?? rfq.shop });
        } else {
          await sendRfq({ endpointUrl: supplier.endpointUrl!, secret: supplier.signingSecret, sendKey: rfq.sendKey, rfq: document, replyTo: callbackUrl(deps.appUrl, supplier.id) });
        }
      } catch (error) {
        const message = (error as Error).message;
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (!(error instanceof SupplierSendError) || !error.retryable || lastAttempt) {
          await deps.db.supplierRfq.updateMany({ where: { id: rfq.id, status: "sending" }, data: { status: "failed", lastError: message } });
          throw new UnrecoverableError(message);
        }
        await deps.db.supplierRfq.update({ where: { id: rfq.id }, data: { lastError: message } });
        throw error;
      }
      // An answer may already have come back on the callback: only a send still in flight becomes "sent".
      await deps.db.supplierRfq.updateMany({ where: { id: rfq.id, status: "sending" }, data: { status: "sent", sentAt: now() } });
    }
    const latest = await deps.db.supplierRfq.findUniqueOrThrow({ where: { id: rfq.id } });
    if (FINISHED.has(latest.status)) return latest.status;
    // Wait for the answer without holding a worker: look again later, at the deadline at the latest.
    const wakeAt = Math.min(now().getTime() + deps.pollMs, request.deadline.getTime());
    await job.moveToDelayed(wakeAt, token);
    // The callback wakes a delayed ask; an answer stored just before this job became delayed
    // found nothing to wake, so look once more now that it is.
    const after = await deps.db.supplierRfq.findUniqueOrThrow({ where: { id: rfq.id }, select: { status: true } });
    if (FINISHED.has(after.status)) await job.promote().catch(() => {});
    throw new DelayedError();
  };
}

/** The stored document is JSON: its dates come back as strings. */
function reviveDates(rfq: RequestForQuotation): RequestForQuotation {
  return { ...rfq, issueDate: new Date(rfq.issueDate), validityPeriod: { endDate: new Date(rfq.validityPeriod.endDate) } };
}

export interface DecideDeps {
  db: Db;
  admin: (shop: string) => Promise<AdminRunner>;
  now?: () => Date;
  log?: Logger;
}

export function createDecideProcessor(deps: DecideDeps) {
  const now = deps.now ?? (() => new Date());
  return async function processDecide(job: Job<JobPayload<"replenishmentDecide">>, token?: string) {
    const data = QUEUES.replenishmentDecide.payload.parse(job.data);
    const outcome = await decideRequest(deps.db, { shop: data.shop, requestId: data.requestId, now: now(), admin: deps.admin });
    if (outcome.kind === "wait") {
      await job.moveToDelayed(outcome.until.getTime(), token);
      throw new DelayedError();
    }
    deps.log?.info("replenishment decided", { shop: data.shop, requestId: data.requestId, outcome: outcome.kind });
    return outcome;
  };
}

/**
 * The inventory_levels/update handler with the worker's ports (Admin API, flows, waiting tiers),
 * injected by startWorkers; a process built without them refuses the topic rather than guess.
 */
export function inventoryLevelHandler(ports: ReplenishmentPorts | undefined): (ctx: WebhookContext) => Promise<WebhookOutcome> {
  if (!ports) return async () => { throw new Error("replenishment is not configured in this process (startWorkers passes its ports)"); };
  return (ctx) => applyInventoryLevelWebhook(ctx, ports);
}
