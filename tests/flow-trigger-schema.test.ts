// The Flow triggers' payloads, as the app builds them, held against the fields their extensions
// declare (extensions/flow-*/shopify.extension.toml, read as Shopify's CLI deploys them), with the
// same check the simulator's flowTriggerReceive applies; and that check refuses what Flow refuses.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { flowTriggerPayload } from "../app/adapters/shopify/admin-operations/flow-trigger-receive.ts";
import { MEMBER_TIER_CHANGED, PROMISE_AT_RISK, promiseAtRiskEvent, promiseRisks, tierChangeEvent, type OpenPromiseFacts } from "../app/domain/flow-trigger-events.ts";
import { defaultTierRules } from "../app/domain/tier-rules.ts";
import type { BusinessCalendar } from "../app/domain/business-calendar.ts";
import { checkFlowTriggerCall, FlowTriggerConfigError, loadFlowTriggers, readFlowTriggers } from "../simulator/admin-api/flow-triggers.ts";
import { ROOT } from "../scripts/lib/app-processes.ts";

const triggers = loadFlowTriggers(path.join(ROOT, "extensions"));
const rules = defaultTierRules("USD");
const calendar: BusinessCalendar = { timeZone: "America/New_York", workingDays: [1, 2, 3, 4, 5], cutoff: null, holidays: [] };

const promise = (over: Partial<OpenPromiseFacts> = {}): OpenPromiseFacts => ({
  orderGid: "gid://shopify/Order/450789469", tierKey: "gold", laneKey: "priority_production",
  shipBy: new Date("2026-11-20T22:00:00Z"), shipByDay: "2026-11-20", shippedAt: null, adjustments: [], conflict: false, ...over,
});

describe("Flow trigger payloads against their declared fields", () => {
  it("declares both triggers, with the field keys the app sends", () => {
    expect([...triggers.keys()].sort()).toEqual([PROMISE_AT_RISK.handle, MEMBER_TIER_CHANGED.handle].sort());
    expect(triggers.get(MEMBER_TIER_CHANGED.handle)!.fields.map((f) => f.key ?? f.type)).toEqual(["customer_reference", ...Object.values(MEMBER_TIER_CHANGED.fields)]);
    expect(triggers.get(PROMISE_AT_RISK.handle)!.fields.map((f) => f.key ?? f.type)).toEqual(["order_reference", ...Object.values(PROMISE_AT_RISK.fields)]);
  });

  it.each([
    ["an upgrade", { fromTier: "silver", toTier: "gold", reason: "order", spend: 212_550 }],
    ["a new member", { fromTier: null, toTier: "bronze", reason: "order", spend: 1_999 }],
    ["a tier since removed", { fromTier: "platinum", toTier: "gold", reason: "rule_change", spend: 0 }],
  ])("Member tier changed: %s is accepted", (_label, change) => {
    const event = tierChangeEvent({ id: "c1", customerGid: "gid://shopify/Customer/7788", ...change }, rules);
    expect(checkFlowTriggerCall(triggers, event.handle, flowTriggerPayload(event))).toEqual([]);
  });

  it("Member tier changed: spend in the currency's decimals, tiers by their names", () => {
    const event = tierChangeEvent({ id: "c1", customerGid: "gid://shopify/Customer/7788", fromTier: "silver", toTier: "gold", reason: "order", spend: 212_550 }, rules);
    expect(flowTriggerPayload(event)).toEqual({ customer_id: 7788, "Old tier": "Silver", "New tier": "Gold", Reason: "order", "Qualifying spend": 2125.5, Currency: "USD" });
    const yen = tierChangeEvent({ id: "c2", customerGid: "gid://shopify/Customer/1", fromTier: null, toTier: "gold", reason: "order", spend: 250_000 }, { ...rules, currency: "JPY" });
    expect(flowTriggerPayload(yen)["Qualifying spend"]).toBe(250_000);
  });

  it.each(["due_today_not_shipped", "lane_over_capacity", "shopify_promise_conflict"] as const)("Delivery promise at risk (%s) is accepted", (risk) => {
    const event = promiseAtRiskEvent({ promise: promise(), risk, tierName: "Gold", laneName: "Priority production" });
    expect(event.eventKey).toBe(`gid://shopify/Order/450789469|${risk}`);
    expect(checkFlowTriggerCall(triggers, event.handle, flowTriggerPayload(event))).toEqual([]);
  });
});

describe("what is at risk", () => {
  const now = new Date("2026-11-20T15:00:00Z"); // 10:00 in New York
  it("due today and not shipped; not once shipped, not when past its ship-by (late, not at risk)", () => {
    expect(promiseRisks({ promise: promise(), now, calendar, laneCapacity: null, laneBooked: 1 })).toEqual(["due_today_not_shipped"]);
    expect(promiseRisks({ promise: promise({ shippedAt: now }), now, calendar, laneCapacity: null, laneBooked: 1 })).toEqual([]);
    expect(promiseRisks({ promise: promise({ shipBy: new Date("2026-11-20T14:59:59Z") }), now, calendar, laneCapacity: null, laneBooked: 1 })).toEqual([]);
  });
  it("a later ship-by is not due today; its lane over capacity (booked above it, or rolled over) is", () => {
    const later = promise({ shipBy: new Date("2026-11-24T22:00:00Z"), shipByDay: "2026-11-24" });
    expect(promiseRisks({ promise: later, now, calendar, laneCapacity: 3, laneBooked: 3 })).toEqual([]);
    expect(promiseRisks({ promise: later, now, calendar, laneCapacity: 3, laneBooked: 4 })).toEqual(["lane_over_capacity"]);
    const rolled = { ...later, adjustments: [{ kind: "lane_full" as const, laneKey: "priority_production", dailyCapacity: 3, fullDays: ["2026-11-23"], movedTo: "2026-11-24" }] };
    expect(promiseRisks({ promise: rolled, now, calendar, laneCapacity: 3, laneBooked: 1 })).toEqual(["lane_over_capacity"]);
    expect(promiseRisks({ promise: { ...later, conflict: true }, now, calendar, laneCapacity: null, laneBooked: 9 })).toEqual(["shopify_promise_conflict"]);
  });
});

describe("the simulator's flowTriggerReceive check refuses what Flow refuses", () => {
  const ok = { customer_id: 5, "Old tier": "Silver", "New tier": "Gold", Reason: "order", "Qualifying spend": 12.5, Currency: "USD" };
  it.each([
    ["an unknown handle", "member-tier-moved", ok, ["handle"]],
    ["a missing field", MEMBER_TIER_CHANGED.handle, { ...ok, Reason: undefined }, ["payload", "Reason"]],
    ["an undeclared field", MEMBER_TIER_CHANGED.handle, { ...ok, Points: 3 }, ["payload", "Points"]],
    ["a number as text", MEMBER_TIER_CHANGED.handle, { ...ok, "Qualifying spend": "12.50" }, ["payload", "Qualifying spend"]],
    ["a GID for the reference", MEMBER_TIER_CHANGED.handle, { ...ok, customer_id: "gid://shopify/Customer/5" }, ["payload", "customer_id"]],
    ["text with a line break", MEMBER_TIER_CHANGED.handle, { ...ok, Reason: "a\nb" }, ["payload", "Reason"]],
  ])("%s", (_label, handle, payload, field) => {
    const errors = checkFlowTriggerCall(triggers, handle, JSON.parse(JSON.stringify(payload)));
    expect(errors.map((e) => e.field)).toEqual([field]);
  });
  it("a payload over 50 KB", () => {
    expect(checkFlowTriggerCall(triggers, MEMBER_TIER_CHANGED.handle, { ...ok, Reason: "x".repeat(50_001) })).toMatchObject([{ field: ["payload"] }]);
  });
  it("and a declaration the CLI would refuse", () => {
    const toml = (fields: string, handle = "my-trigger") => `[[extensions]]\nname = "T"\ntype = "flow_trigger"\nhandle = "${handle}"\n[settings]\n${fields}`;
    expect(() => readFlowTriggers(toml(`[[settings.fields]]\ntype = "single_line_text_field"\n`))).toThrow(FlowTriggerConfigError);
    expect(() => readFlowTriggers(toml(`[[settings.fields]]\ntype = "money"\nkey = "x"\n`))).toThrow(/not supported/);
    expect(() => readFlowTriggers(toml("", "a".repeat(31)))).toThrow(/handle/);
    expect(readFlowTriggers(`[[extensions]]\nname = "UI"\ntype = "ui_extension"\nhandle = "ui"\n`)).toEqual([]);
  });
});
