// `npm run simulator` as its own process: it prints its origin, seeds and installs a
// shop when asked, starts with the faults SIMULATOR_FAULTS names, and refuses a bad
// environment naming the variable.
import { fork } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT, TEST_API_KEY, TEST_API_SECRET, startSimulatorProcess, type AppProcess } from "../scripts/lib/app-processes.ts";

const SHOP = "cli-store.myshopify.com";
const baseEnv = {
  PATH: process.env.PATH,
  NODE_ENV: "test" as const,
  SHOPIFY_API_KEY: TEST_API_KEY,
  SHOPIFY_API_SECRET: TEST_API_SECRET,
  SHOPIFY_APP_URL: "http://127.0.0.1:9",
  SIMULATOR_PORT: "0",
};

let running: AppProcess | undefined;
afterEach(async () => {
  await running?.kill();
  running = undefined;
});

describe("npm run simulator", () => {
  it("prints its origin, seeds and installs the named shop, and starts with the given faults", async () => {
    const faults = { seed: 9, webhooks: { duplicateProbability: 0.25, reorderWindowMs: 400 }, adminApi: { errorProbability: 0.1, throttlePressure: 5 } };
    const { proc, origin } = await startSimulatorProcess({ ...baseEnv, SIMULATOR_SEED_SHOP: SHOP, SIMULATOR_SEED_SIZE: "tiny", SIMULATOR_FAULTS: JSON.stringify(faults) });
    running = proc;
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const current = (await (await fetch(`${origin}/_sim/faults`)).json()) as { seed: number; webhooks: Record<string, number>; adminApi: Record<string, number> };
    expect(current.seed).toBe(9);
    expect(current.webhooks).toMatchObject(faults.webhooks);
    expect(current.adminApi).toMatchObject(faults.adminApi);

    const health = (await (await fetch(`${origin}/_sim/health`)).json()) as { shops: number };
    expect(health.shops).toBe(1);
    const seeded = (await (await fetch(`${origin}/_sim/shops/${SHOP}`)).json()) as { shop: { installation: { apiKey: string } | null }; counts: { customers: number; orders: number } };
    expect(seeded.shop.installation?.apiKey).toBe(TEST_API_KEY);
    expect(seeded.counts.customers).toBeGreaterThan(0);
    expect(seeded.counts.orders).toBeGreaterThan(0);
  });

  it("refuses malformed SIMULATOR_FAULTS, naming the variable", async () => {
    for (const bad of ["{not json", JSON.stringify({ webhooks: { duplicateProbability: 2 } }), JSON.stringify({ adminApi: { meltdown: true } })]) {
      const child = fork(path.join(ROOT, "simulator/main.ts"), [], { cwd: ROOT, env: { ...baseEnv, SIMULATOR_FAULTS: bad }, execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
      let output = "";
      child.stdout?.on("data", (c) => (output += c));
      child.stderr?.on("data", (c) => (output += c));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect({ bad, code }).toEqual({ bad, code: 1 });
      expect(output).toContain("SIMULATOR_FAULTS");
      expect(output).not.toMatch(/^http:/m);
    }
  });
});
