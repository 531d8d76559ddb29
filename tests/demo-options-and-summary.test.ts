// `npm run demo` as a first impression: options are checked before anything starts or installs
// (a wrong size is refused with the sizes on offer), and the summary of what the app wrote is
// grouped by kind, with the resources touched and a link to the raw record.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_SIZES, parseDemoOptions } from "../scripts/lib/demo-options.mjs";
import { describeWrites, groupWrites, type RecordedMutation } from "../scripts/lib/demo-writes.ts";
import { ROOT } from "../scripts/lib/app-processes.ts";

describe("demo options", () => {
  it("takes the defaults, and each option in both spellings", () => {
    expect(parseDemoOptions([])).toEqual({ ok: true, options: { once: false, size: "small", orders: 40, seed: 42, help: false } });
    expect(parseDemoOptions(["--once", "--size", "tiny", "--orders=12", "--seed", "7"])).toEqual({ ok: true, options: { once: true, size: "tiny", orders: 12, seed: 7, help: false } });
  });
  it.each([
    [["--size", "huge"], "--size huge is not a size the demo offers: choose tiny, small, medium"],
    [["--size"], "--size is not a size the demo offers: choose tiny, small, medium"],
    [["--orders", "0"], '--orders must be a whole number from 1 to 500 (got "0")'],
    [["--orders", "ten"], '--orders must be a whole number from 1 to 500 (got "ten")'],
    [["--seed", "--once"], "--seed needs a value"],
    [["--sise", "tiny"], 'unknown option "--sise"'],
  ])("refuses %j", (args, message) => {
    expect(parseDemoOptions(args)).toEqual({ ok: false, message });
  });
  it("offers the sizes the simulator seeds quickly", () => {
    expect(DEMO_SIZES).toEqual(["tiny", "small", "medium"]);
  });
  it("`npm run demo -- --size huge` stops at once with the list of sizes, before installing or starting anything", () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, "scripts/demo.mjs"), "--size", "huge"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--size huge is not a size the demo offers: choose tiny, small, medium");
    expect(run.stderr).toContain("usage: npm run demo");
    expect(run.stdout).toBe("");
  });
});

describe("the summary of what the app wrote", () => {
  const customer = (n: number) => `gid://shopify/Customer/${n}`;
  const mutations: RecordedMutation[] = [
    { kind: "tagsAdd", ok: true, detail: { kind: "tagsAdd", ownerGid: customer(1) } },
    { kind: "tagsAdd", ok: true, detail: { kind: "tagsAdd", ownerGid: customer(2) } },
    { kind: "tagsAdd", ok: true, detail: { kind: "tagsAdd", ownerGid: "gid://shopify/Order/9" } },
    { kind: "tagsRemove", ok: true, detail: { kind: "tagsRemove", ownerGid: customer(1) } },
    { kind: "metafieldsSet", ok: true, detail: { kind: "metafieldsSet", metafields: [{ ownerGid: customer(1) }, { ownerGid: customer(1) }, { ownerGid: customer(2) }] } },
    { kind: "metafieldsSet", ok: false, detail: { kind: "metafieldsSet", metafields: [] } },
    { kind: "flowTriggerReceive", ok: true, detail: { kind: "flowTriggerReceive", handle: "member-tier-changed" } },
    { kind: "flowTriggerReceive", ok: true, detail: { kind: "flowTriggerReceive", handle: "member-tier-changed" } },
    { kind: "flowTriggerReceive", ok: true, detail: { kind: "flowTriggerReceive", handle: "delivery-promise-at-risk" } },
    { kind: "fulfillmentOrdersSetFulfillmentDeadline", ok: true, detail: { kind: "fulfillmentOrdersSetFulfillmentDeadline", fulfillmentOrderGids: ["gid://shopify/FulfillmentOrder/1", "gid://shopify/FulfillmentOrder/2"] } },
  ];
  it("groups the writes by kind, with the resources touched", () => {
    expect(groupWrites(mutations)).toEqual([
      { label: "tier tags", calls: 4, refused: 0, what: ["tagsAdd ×3 on 2 customers, 1 order", "tagsRemove ×1 on 1 customer"] },
      { label: "metafields", calls: 2, refused: 1, what: ["metafieldsSet ×1 (3 values) on 2 customers"] },
      { label: "ship-by deadlines", calls: 1, refused: 0, what: ["fulfillmentOrdersSetFulfillmentDeadline ×1 on 2 fulfillment orders"] },
      { label: "Flow triggers", calls: 3, refused: 0, what: ["flowTriggerReceive ×3: 2 member-tier-changed, 1 delivery-promise-at-risk"] },
    ]);
  });
  it("prints one line per kind under a heading that links the raw record", () => {
    const lines = describeWrites(mutations, "http://127.0.0.1:4711/_sim/shops/demo/mutations", 130);
    expect(lines[0]).toBe("What Tierline wrote to the store, 10 calls for 130 Admin API points (raw record: http://127.0.0.1:4711/_sim/shops/demo/mutations):");
    expect(lines[2]).toBe("  metafields         metafieldsSet ×1 (3 values) on 2 customers; 1 answered with userErrors");
    expect(describeWrites([], "http://x/raw", 0)).toEqual(["Tierline wrote nothing to the store (raw record: http://x/raw)"]);
  });
});
