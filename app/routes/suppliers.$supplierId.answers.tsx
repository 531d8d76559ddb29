// POST /suppliers/:supplierId/answers — where a supplier's HTTPS connector sends its Quotation or
// decline (signed with its own secret). The work is in receive-supplier-answer.server.ts.
import type { ActionFunctionArgs } from "@remix-run/node";
import db from "../db.server.ts";
import { SIGNATURE_HEADER } from "../adapters/suppliers/https-supplier-connector.server.ts";
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { wakeAsk } from "../adapters/queues/replenishment-job-ids.server.ts";
import { receiveSupplierAnswer } from "../use-cases/receive-supplier-answer.server.ts";

export const action = async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return Response.json({ error: "POST only" }, { status: 405 });
  const answer = await receiveSupplierAnswer(db, { supplierId: params.supplierId ?? "", body: await request.text(), signature: request.headers.get(SIGNATURE_HEADER), now: new Date() });
  // The waiting ask looks again at once instead of at its next poll; a failure here only costs that wait.
  if (answer.outcome?.stored) await wakeAsk(jobQueues(), answer.outcome.rfqId).catch(() => {});
  return Response.json(answer.body, { status: answer.status });
};

export const loader = () => Response.json({ error: "POST only" }, { status: 405 });
