import { describe, expect, it } from "vitest";
import { fulfillmentState, orderShipmentOutcome, type CountedLine } from "./order-shipment-outcome.ts";

const A = "gid://shopify/LineItem/1";
const B = "gid://shopify/LineItem/2";
const line = (lineItemGid: string, quantity: number, iso: string, outcome: CountedLine["outcome"]): CountedLine => ({ lineItemGid, quantity, shippedAt: new Date(iso), outcome });

describe("fulfillmentState", () => {
  it("ships on success, waits while pending or open, undoes on cancelled, failure and error (any case)", () => {
    expect(fulfillmentState("success")).toBe("shipped");
    expect(fulfillmentState("SUCCESS")).toBe("shipped");
    expect(fulfillmentState("pending")).toBe("not_shipped");
    expect(fulfillmentState("open")).toBe("not_shipped");
    expect(fulfillmentState("something_new")).toBe("not_shipped");
    for (const status of ["cancelled", "failure", "error", "CANCELLED"]) expect(fulfillmentState(status)).toBe("undone");
  });
});

describe("orderShipmentOutcome", () => {
  const needs = [{ lineItemGid: A, quantity: 2 }, { lineItemGid: B, quantity: 1 }];

  it("is not fully shipped while any line still has units to ship", () => {
    expect(orderShipmentOutcome({ needs, shipped: [line(A, 2, "2026-12-01T10:00:00Z", "kept")] })).toEqual({ fullyShipped: false });
    expect(orderShipmentOutcome({ needs, shipped: [line(A, 1, "2026-12-01T10:00:00Z", "kept"), line(B, 1, "2026-12-01T10:00:00Z", "kept")] })).toEqual({ fullyShipped: false });
  });

  it("ships when the last line does, late if any line was late", () => {
    const shipped = [line(A, 1, "2026-12-01T10:00:00Z", "kept"), line(A, 1, "2026-12-03T10:00:00Z", "late"), line(B, 1, "2026-12-02T10:00:00Z", "kept")];
    expect(orderShipmentOutcome({ needs, shipped })).toEqual({ fullyShipped: true, shippedAt: new Date("2026-12-03T10:00:00Z"), outcome: "late" });
    const allKept = shipped.map((l) => ({ ...l, outcome: "kept" as const }));
    expect(orderShipmentOutcome({ needs, shipped: allKept })).toMatchObject({ fullyShipped: true, outcome: "kept" });
  });

  it("never takes unknown needs, or needs of nothing, as fully shipped", () => {
    const shipped = [line(A, 2, "2026-12-01T10:00:00Z", "kept")];
    expect(orderShipmentOutcome({ needs: null, shipped })).toEqual({ fullyShipped: false });
    expect(orderShipmentOutcome({ needs: [{ lineItemGid: A, quantity: 0 }], shipped })).toEqual({ fullyShipped: false });
  });

  it("ignores lines refunded down to zero, and over-shipment still covers", () => {
    const shipped = [line(A, 3, "2026-12-01T10:00:00Z", "kept")];
    expect(orderShipmentOutcome({ needs: [{ lineItemGid: A, quantity: 2 }, { lineItemGid: B, quantity: 0 }], shipped })).toMatchObject({ fullyShipped: true, outcome: "kept" });
  });
});
