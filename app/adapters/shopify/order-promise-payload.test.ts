import { describe, expect, it } from "vitest";
import { orderPromiseEvent } from "./order-promise-payload.ts";
import { PayloadError } from "./webhook-payloads.ts";

const base = {
  admin_graphql_api_id: "gid://shopify/Order/820982911946154508",
  name: "#1001",
  created_at: "2026-11-24T10:15:00-05:00",
  cancelled_at: null,
  financial_status: "paid",
  customer: { id: "115310627314723950" },
  shipping_address: { country_code: "CA", province_code: "ON" },
  line_items: [
    { variant_id: 808950810, sku: "IPOD-1", requires_shipping: true, variant_inventory_management: "shopify" },
    { variant_id: null, sku: "", requires_shipping: true, variant_inventory_management: null },
    { variant_id: 808950811, sku: "PRINT-ON-DEMAND", requires_shipping: true, variant_inventory_management: null },
    { variant_id: 1, sku: "GIFT", gift_card: true },
  ],
};

describe("orderPromiseEvent", () => {
  it("reads what a paid order's promise needs", () => {
    expect(orderPromiseEvent(base)).toEqual({
      kind: "make",
      order: {
        orderGid: base.admin_graphql_api_id,
        orderName: "#1001",
        customerGid: "gid://shopify/Customer/115310627314723950",
        orderedAt: "2026-11-24T15:15:00.000Z",
        destination: { countryCode: "CA", provinceCode: "ON" },
        lines: [
          { variantGid: "gid://shopify/ProductVariant/808950810", sku: "IPOD-1" },
          { variantGid: null, sku: null },
          // Untracked stock: its stock is not read.
          { variantGid: "gid://shopify/ProductVariant/808950811", sku: "PRINT-ON-DEMAND", inventoryTracked: false },
        ],
      },
    });
  });

  it("asks for nothing until the order is paid, and cancels a cancelled one", () => {
    expect(orderPromiseEvent({ ...base, financial_status: "pending" })).toBeNull();
    expect(orderPromiseEvent({ ...base, financial_status: "authorized" })).toBeNull();
    expect(orderPromiseEvent({ ...base, cancelled_at: "2026-11-24T11:00:00-05:00" })).toEqual({ kind: "cancel", orderGid: base.admin_graphql_api_id });
  });

  it("promises nothing for a test order, which is never shipped and must not take a lane's place", () => {
    expect(orderPromiseEvent({ ...base, test: true })).toBeNull();
    expect(orderPromiseEvent({ ...base, test: false })?.kind).toBe("make");
  });

  it("a guest without a shipping address has no customer and no destination", () => {
    const event = orderPromiseEvent({ ...base, customer: null, shipping_address: null });
    expect(event?.kind === "make" && [event.order.customerGid, event.order.destination]).toEqual([null, null]);
  });

  it("refuses a payload that names no order or no creation time", () => {
    expect(() => orderPromiseEvent({ ...base, admin_graphql_api_id: undefined })).toThrow(PayloadError);
    expect(() => orderPromiseEvent({ ...base, created_at: "soon" })).toThrow(PayloadError);
  });
});
