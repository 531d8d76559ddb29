// @vitest-environment jsdom
// Beside the delivery options (Plus): the promise for an order placed now, no order id sent.
import path from "node:path";
import { getExtension } from "@shopify/ui-extensions-tester";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { answerFor, jsonResponse, translator } from "../../shared/src/promise-fixtures.ts";

const DIR = path.resolve(import.meta.dirname, "..");
const extension = getExtension("purchase.checkout.shipping-option-list.render-after");

beforeEach(() => extension.setUp());
afterEach(() => extension.tearDown());

it("shows a Silver member their promise and Gold's, asking without an order", async () => {
  extension.shopify.i18n.translate = translator(DIR, "en") as typeof extension.shopify.i18n.translate;
  extension.shopify.sessionToken.get = async () => "checkout-token";
  const fetch = vi.fn(async (_url: string | URL | Request) => jsonResponse(answerFor({ kind: "member", tierKey: "silver", qualifyingSpendMinor: 60_000, qualifyingOrders: 2 }, "en")));
  extension.fetch = fetch as typeof extension.fetch;
  await extension.render();
  await vi.waitFor(() => expect(document.body.textContent).toContain("Silver member: ships by Thu, Nov 26"));
  expect(document.body.textContent).toContain("Gold members: ships by Wed, Nov 25");
  expect(new URL(String(fetch.mock.calls[0][0])).searchParams.has("orderId")).toBe(false);
});
