// Tierline on a Redis Cluster (three masters started here), as production would run it:
// the web process and a worker process given REDIS_CLUSTER_NODES (their REDIS_URL points at
// a closed port, so nothing may fall back to it). The merchant installs, the history is
// backfilled, live orders, a refund and a cancellation arrive as signed webhooks through the
// real server into the workers, and the store holds exactly the tiers the domain computes
// from its own data. Every queue's keys sit in one slot, and the queues spread over the masters.
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUES } from "../app/adapters/queues/queue-registry.ts";
import { queueKeyPrefix } from "../app/adapters/queues/redis-connection.server.ts";
import type { PrivateRedisCluster } from "../scripts/lib/private-redis.ts";
import { eventually } from "../scripts/lib/app-processes.ts";
import { grantAndInstall, startTierlineSystem, type TierlineSystem } from "../scripts/lib/tierline-system.ts";
import { seedShop } from "../simulator/store/seed-generator.ts";
import { expectedTiersFromStore } from "./support/expected-tiers.ts";
import { DATABASE_KINDS } from "./support/test-database.ts";

const SHOP = "cluster-e2e.myshopify.com";

/** Every key on every master, with the master's port. */
async function keysByNode(cluster: PrivateRedisCluster): Promise<Array<{ port: number; keys: string[] }>> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const client = new Redis(node.url, { maxRetriesPerRequest: 1 });
      try {
        return { port: node.port, keys: await client.keys("*") };
      } finally {
        client.disconnect();
      }
    }),
  );
}

describe.each(DATABASE_KINDS)("Tierline on a Redis Cluster, %s", (kind) => {
  let system: TierlineSystem<PrivateRedisCluster>;

  beforeAll(async () => {
    system = await startTierlineSystem({ kind, label: "cluster", redisCluster: true });
    seedShop(system.sim.store, SHOP, { seed: 11, size: "tiny", now: new Date().toISOString() });
  });
  afterAll(async () => {
    await system?.close();
  });

  it("installs, backfills, and turns live webhooks into the tiers the store's own data gives", async () => {
    const { sim, database, settle } = system;
    expect((await grantAndInstall(sim, SHOP)).installed).toBe(true);
    await eventually(async () => (await database.db.backfillRun.findFirst({ where: { shop: SHOP, status: "completed" } })) !== null, { timeoutMs: 120_000, what: "backfill completed" });
    await settle.settled();

    const customers = [...sim.store.shop(SHOP).customers.values()];
    const big = sim.store.createOrder(SHOP, { customerId: customers[1].id, lineItems: [{ title: "Sofa", price: "2400.00", quantity: 1 }] });
    sim.store.createOrder(SHOP, { customerId: customers[2].id, lineItems: [{ title: "Desk", price: "2600.00", quantity: 1 }] });
    const refunded = sim.store.createOrder(SHOP, { customerId: customers[4].id, lineItems: [{ title: "Chair", price: "700.00", quantity: 1 }] });
    sim.store.refundOrder(SHOP, refunded.id, { amount: "250.00", note: "goodwill" });
    sim.store.cancelOrder(SHOP, big.id, { reason: "CUSTOMER" });
    for (let i = 0; i < 20; i++) sim.store.createOrder(SHOP, { customerId: customers[(i * 7) % customers.length].id, lineItems: [{ title: `Live ${i}`, price: "90.00", quantity: 1 }] });
    await settle.settled();

    const expected = expectedTiersFromStore(sim, SHOP, new Date());
    expect(expected.tiers.get(customers[2].gid)?.tierKey).toBe("gold");
    for (const [customerGid, tier] of expected.tiers) {
      const customer = customers.find((c) => c.gid === customerGid)!;
      const tags = sim.store.customer(SHOP, customer.id).tags.filter((t) => t.startsWith("tierline:"));
      expect({ customerGid, tags }).toEqual({ customerGid, tags: [`tierline:${tier.tierKey}`] });
    }
    // Every delivery was done (a topic with nothing to do is "skipped"), none failed or left waiting.
    expect(await database.db.webhookDelivery.count({ where: { shop: SHOP, status: { notIn: ["processed", "skipped"] } } })).toBe(0);
    expect(await database.db.webhookDelivery.count({ where: { shop: SHOP, topic: "orders/create", status: "processed" } })).toBe(23);
  });

  it("keeps each queue's keys in one slot and spreads the queues over the masters", async () => {
    const nodes = await keysByNode(system.redis);
    const client = new Cluster(system.redis.target.clusterNodes.map((n) => ({ host: "127.0.0.1", port: Number(n.split(":")[1]) })));
    try {
      const nodesWithQueues = new Set<number>();
      for (const { name } of Object.values(QUEUES)) {
        const prefix = `${queueKeyPrefix(system.prefix, name, true)}:${name}:`;
        const keys = nodes.flatMap(({ port, keys }) => keys.filter((k) => k.startsWith(prefix)).map((key) => ({ port, key })));
        const slots = new Set(await Promise.all(keys.map(({ key }) => client.cluster("KEYSLOT", key))));
        expect({ queue: name, slots: slots.size <= 1 }).toEqual({ queue: name, slots: true });
        for (const { port } of keys) nodesWithQueues.add(port);
      }
      expect(nodesWithQueues.size).toBeGreaterThan(1);
      // Nothing of this run was written outside its queues' prefixes.
      const stray = nodes.flatMap(({ keys }) => keys).filter((k) => !k.startsWith(`{${system.prefix}-`));
      expect(stray).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
