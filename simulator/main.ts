// `npm run simulator`: starts the store simulator on its own and prints its origin.
// Env: SIMULATOR_PORT (default 4711; 0 = any free port), SIMULATOR_HOST (127.0.0.1),
// SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL, SIMULATOR_THROTTLE_429=1 (throttle as HTTP 429),
// SIMULATOR_SEED_SHOP=demo-store.myshopify.com with SIMULATOR_SEED_SIZE (tiny|small|medium|large) and SIMULATOR_SEED,
// SIMULATOR_FAULTS='{"seed":3,"webhooks":{"duplicateProbability":0.2},"adminApi":{"errorProbability":0.05}}'
// (the body POST /_sim/faults takes), so a run starts with its faults already on.
import { z } from "zod";
import { startSimulator } from "./server.ts";
import { seedShop, type SeedSize } from "./store/seed-generator.ts";
import { faultSettingsSchema, sharedFaults } from "./webhooks/faults.ts";

const faultsFromJson = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not JSON" });
    return z.NEVER;
  }
}).pipe(faultSettingsSchema);

const env = z
  .object({
    SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4711),
    SIMULATOR_HOST: z.string().default("127.0.0.1"),
    SHOPIFY_API_KEY: z.string().min(1),
    SHOPIFY_API_SECRET: z.string().min(1),
    SHOPIFY_APP_URL: z.string().url(),
    SIMULATOR_THROTTLE_429: z.enum(["0", "1"]).default("0"),
    SIMULATOR_SEED_SHOP: z.string().optional(),
    SIMULATOR_SEED_SIZE: z.enum(["tiny", "small", "medium", "large"]).default("small"),
    SIMULATOR_SEED: z.coerce.number().int().default(1),
    SIMULATOR_FAULTS: faultsFromJson.optional(),
  })
  .safeParse(process.env);

if (!env.success) {
  console.error(`simulator: bad environment:\n${env.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  process.exit(1);
}
const e = env.data;

const sim = await startSimulator({
  port: e.SIMULATOR_PORT,
  host: e.SIMULATOR_HOST,
  apiKey: e.SHOPIFY_API_KEY,
  apiSecret: e.SHOPIFY_API_SECRET,
  appUrl: e.SHOPIFY_APP_URL,
  throttle: { http429: e.SIMULATOR_THROTTLE_429 === "1" },
});

if (e.SIMULATOR_FAULTS) {
  sharedFaults(sim.store).set(e.SIMULATOR_FAULTS);
  console.error(`simulator: faults on: ${JSON.stringify(sharedFaults(sim.store).snapshot())}`);
}

if (e.SIMULATOR_SEED_SHOP) {
  const summary = seedShop(sim.store, e.SIMULATOR_SEED_SHOP, { seed: e.SIMULATOR_SEED, size: e.SIMULATOR_SEED_SIZE as SeedSize, now: new Date() });
  sim.store.installApp(e.SIMULATOR_SEED_SHOP, { apiKey: e.SHOPIFY_API_KEY });
  console.error(`simulator: seeded ${summary.domain}: ${summary.customers} customers, ${summary.orders} orders in ${summary.millis} ms`);
}

console.log(sim.origin);

const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
