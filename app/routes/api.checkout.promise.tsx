// GET /api/checkout/promise?orderId=…&locale=…&country=…&province=…
// Called by the checkout and order-status extensions with `Authorization: Bearer <session token>`.
// The shop (`dest`) and the buyer (`sub`) come only from the verified token; the query only picks
// the order, the language and the destination zone. CORS and the preflight (OPTIONS reaches the
// action) are answered by authenticate.public.checkout.
// The web process answers GET, HEAD and OPTIONS itself (app/server/checkout-promise-fast-path.ts,
// the same checks and answers without Remix's request objects); this module answers the rest.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { db } from "../db.server.ts";
import { env } from "../env.server.ts";
import { authenticate } from "../shopify.server.ts";
import { checkoutPromiseQueryOf, createCheckoutPromiseLookup, INVALID_TOKEN_ANSWER } from "../use-cases/checkout-promise.server.ts";

const checkoutPromise = createCheckoutPromiseLookup(db);
const apiKey = env().SHOPIFY_API_KEY;

async function answer(request: Request) {
  const { sessionToken, cors } = await authenticate.public.checkout(request);
  const query = checkoutPromiseQueryOf(sessionToken, new URL(request.url).searchParams, apiKey, new Date());
  if (!query) throw cors(json(INVALID_TOKEN_ANSWER, { status: 401 }));
  const result = await checkoutPromise(query);
  return cors(json(result.body, { status: result.status, headers: { "Cache-Control": "private, no-store" } }));
}

export const loader = ({ request }: LoaderFunctionArgs) => answer(request);
export const action = ({ request }: ActionFunctionArgs) => answer(request);
