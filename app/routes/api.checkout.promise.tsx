// GET /api/checkout/promise?orderId=…&locale=…&country=…&province=…
// Called by the checkout and order-status extensions with `Authorization: Bearer <session token>`.
// The shop (`dest`) and the buyer (`sub`) come only from the verified token; the query only picks
// the order, the language and the destination zone. CORS and the preflight (OPTIONS reaches the
// action) are answered by authenticate.public.checkout.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { db } from "../db.server.ts";
import { env } from "../env.server.ts";
import { authenticate } from "../shopify.server.ts";
import { createCheckoutPromiseLookup } from "../use-cases/checkout-promise.server.ts";

const checkoutPromise = createCheckoutPromiseLookup(db);
const apiKey = env().SHOPIFY_API_KEY;

/** "shop.myshopify.com" from a checkout token's dest (a bare domain, or a URL in some surfaces). */
export function shopFromDest(dest: unknown): string | null {
  if (typeof dest !== "string" || !dest) return null;
  const host = dest.includes("://") ? URL.canParse(dest) ? new URL(dest).hostname : "" : dest;
  return /^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$/i.test(host) ? host.toLowerCase() : null;
}

const zone = (value: string | null) => (value && /^[A-Za-z0-9]{1,3}$/.test(value) ? value.toUpperCase() : null);

async function answer(request: Request) {
  const { sessionToken, cors } = await authenticate.public.checkout(request);
  const shop = shopFromDest(sessionToken.dest);
  // The library does not check the audience for extension tokens: a token minted for another app
  // with a shared secret would otherwise pass.
  if (sessionToken.aud !== apiKey || !shop) throw cors(json({ error: "Invalid session token" }, { status: 401 }));
  const sub = typeof sessionToken.sub === "string" && sessionToken.sub.startsWith("gid://shopify/Customer/") ? sessionToken.sub : null;
  const url = new URL(request.url);
  const country = zone(url.searchParams.get("country"));
  const result = await checkoutPromise({
    shop,
    customerGid: sub,
    orderId: url.searchParams.get("orderId"),
    locale: url.searchParams.get("locale"),
    destination: country ? { countryCode: country, provinceCode: zone(url.searchParams.get("province")) } : null,
    now: new Date(),
  });
  return cors(json(result.body, { status: result.status, headers: { "Cache-Control": "private, no-store" } }));
}

export const loader = ({ request }: LoaderFunctionArgs) => answer(request);
export const action = ({ request }: ActionFunctionArgs) => answer(request);
