// Asks Tierline's backend for the buyer's tier and promise. The buyer is identified only by the
// session token; the query carries the page's order, the buyer's language and the destination
// zone. Anything but a timely 200 with an answer is null: the block then shows nothing.
import type { CheckoutPromiseAnswer } from "../../../app/domain/checkout-promise-answer.ts";

export type { CheckoutPromiseAnswer };

// Replaced when bundled: Shopify's CLI defines `process.env.<NAME>` from its environment and the
// app's .env (`TIERLINE_APP_URL=https://… shopify app deploy`), as scripts/bundle-extensions.ts does.
declare const process: { env: { TIERLINE_APP_URL?: string } };

/** The app's origin, compiled in from TIERLINE_APP_URL; null when bundled without it (the block then shows nothing). */
function builtInAppUrl(): string | null {
  try {
    const url = process.env.TIERLINE_APP_URL;
    return url ? url.replace(/\/+$/, "") : null;
  } catch {
    // Not replaced: there is no `process` in checkout's sandbox.
    return null;
  }
}

export const APP_URL: string | null = builtInAppUrl();

/** Checkout must never wait on us: past this the block gives up and stays empty. */
export const PROMISE_TIMEOUT_MS = 2500;

export type PromiseRequest = {
  token: () => Promise<string>;
  orderId: string | null;
  locale: string | null;
  country: string | null;
  province: string | null;
  timeoutMs?: number;
};

export async function requestPromise(request: PromiseRequest): Promise<CheckoutPromiseAnswer | null> {
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      controller?.abort();
      resolve(null);
    }, request.timeoutMs ?? PROMISE_TIMEOUT_MS);
  });
  const attempt = (async () => {
    if (!APP_URL) return null;
    try {
      const params = new URLSearchParams();
      if (request.orderId) params.set("orderId", request.orderId);
      if (request.locale) params.set("locale", request.locale);
      if (request.country) params.set("country", request.country);
      if (request.province) params.set("province", request.province);
      const token = await request.token();
      const response = await fetch(`${APP_URL}/api/checkout/promise?${params}`, {
        headers: { Authorization: `Bearer ${token}` },
        ...(controller ? { signal: controller.signal } : {}),
      });
      if (!response.ok) return null;
      const body = (await response.json()) as CheckoutPromiseAnswer;
      return body && typeof body === "object" && body.tier ? body : null;
    } catch {
      return null;
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
