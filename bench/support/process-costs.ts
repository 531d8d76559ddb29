// What the app's processes and Redis have spent so far, read the same way by every benchmark:
// statements a process has sent (asked over its IPC channel), and Redis's own counters
// (commands per kind, CPU, memory) summed over every master of a cluster.
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import type { RedisTarget } from "../../app/adapters/queues/redis-connection.server.ts";

export type StatementCount = { hotPath: number; prisma: number; deliveryBatches?: number };

/** Statements each process has sent, summed; null when one did not answer within 3 s. */
export async function askStatementCounts(children: ChildProcess[]): Promise<StatementCount | null> {
  const answers = await Promise.all(
    children.map(
      (child) =>
        new Promise<StatementCount | null>((resolve) => {
          const timer = setTimeout(() => {
            child.off("message", onMessage);
            resolve(null);
          }, 3_000);
          const onMessage = (message: { type?: string } & Partial<StatementCount>) => {
            if (message?.type !== "statement-count") return;
            clearTimeout(timer);
            child.off("message", onMessage);
            resolve({ hotPath: message.hotPath ?? 0, prisma: message.prisma ?? 0, deliveryBatches: message.deliveryBatches ?? 0 });
          };
          child.on("message", onMessage);
          child.send?.({ type: "statement-count" });
        }),
    ),
  );
  if (answers.some((a) => a === null)) return null;
  return answers.reduce<StatementCount>(
    (sum, a) => ({ hotPath: sum.hotPath + a!.hotPath, prisma: sum.prisma + a!.prisma, deliveryBatches: (sum.deliveryBatches ?? 0) + (a!.deliveryBatches ?? 0) }),
    { hotPath: 0, prisma: 0, deliveryBatches: 0 },
  );
}

export interface RedisCounters {
  /** Calls per command (INFO commandstats), the INFO calls of these readings left out. */
  commands: Map<string, number>;
  cpuSeconds: number;
  usedMemoryBytes: number;
  /** Per master: commands and memory, to show how a cluster's load spreads. */
  perNode: Array<{ node: string; commands: number; usedMemoryBytes: number }>;
}

/** The URLs of every master: the one Redis, or each master a cluster's seed nodes know. */
async function masterUrls(target: RedisTarget): Promise<string[]> {
  if (typeof target === "string") return [target];
  const seed = new Redis(`redis://${target.clusterNodes[0]}`, { maxRetriesPerRequest: 1 });
  try {
    const nodes = (await seed.call("CLUSTER", "NODES")) as string;
    return nodes
      .split("\n")
      .filter((line) => line.includes("master") && !line.includes("fail"))
      .map((line) => `redis://${line.split(" ")[1].split("@")[0]}`);
  } finally {
    seed.disconnect();
  }
}

export async function readRedisCounters(target: RedisTarget): Promise<RedisCounters> {
  const commands = new Map<string, number>();
  const perNode: RedisCounters["perNode"] = [];
  let cpuSeconds = 0;
  let usedMemoryBytes = 0;
  for (const url of await masterUrls(target)) {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      // "all": the default sections leave out commandstats.
      const info = await client.info("all");
      let nodeCommands = 0;
      for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (match[1] === "info") continue;
        commands.set(match[1], (commands.get(match[1]) ?? 0) + Number(match[2]));
        nodeCommands += Number(match[2]);
      }
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
      cpuSeconds += field("used_cpu_user") + field("used_cpu_sys");
      usedMemoryBytes += field("used_memory");
      perNode.push({ node: new URL(url).host, commands: nodeCommands, usedMemoryBytes: field("used_memory") });
    } finally {
      client.disconnect();
    }
  }
  return { commands, cpuSeconds, usedMemoryBytes, perNode };
}

/** Commands between two readings: the total and the five most called. */
export function redisCommandDelta(before: Map<string, number>, after: Map<string, number>): { total: number; top: Array<[string, number]> } {
  const delta: Array<[string, number]> = [...after.entries()].map(([c, n]) => [c, n - (before.get(c) ?? 0)]);
  const total = delta.reduce((sum, [, n]) => sum + n, 0);
  return { total, top: delta.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, 5) };
}
