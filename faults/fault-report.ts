// The printout of a fault-injection run.
import type { FaultReplayReport } from "./fault-replay.ts";

export function formatFaultReport(r: FaultReplayReport): string {
  const lines: string[] = [];
  const line = (text: string) => lines.push(`  ${text}`);
  const kinds = (o: object) => Object.entries(o).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  lines.push(`\nfault-injection replay, profile ${r.profile} on ${r.database}: ${r.shops} shops, ${r.ordersPlaced} orders in ${r.replaySeconds.toFixed(0)} s (set-up ${r.setupSeconds.toFixed(0)} s)`);
  line(`${r.webProcesses} web and ${r.workerProcesses} worker processes; ${r.redis.kind === "cluster" ? "a Redis Cluster" : "one Redis"}, a Redis restart restarts ${r.redis.restarts}`);
  line(`merchant and buyer actions: ${kinds(r.actions)}`);
  line(`deliveries: ${r.deliveries.events} webhooks, ${r.deliveries.attempts} attempts (${r.deliveries.failedAttempts} failed and retried), ${r.deliveries.duplicatesSent} duplicates sent, ${r.deliveries.duplicatesAbsorbed} duplicates absorbed`);
  line(`faults injected: ${kinds(r.faults)}`);
  line(`  (a slow Admin API answer takes ${r.adminApi.slowMs} ms, past the worker's ${r.adminApi.clientTimeoutMs} ms client timeout: the call is given up and still applied)`);
  line(`repairs by the app's scheduled jobs: ${kinds(r.repairs)}`);
  line(`time to converge after the last fault: ${r.convergeSeconds === null ? "did NOT converge" : `${r.convergeSeconds.toFixed(1)} s`}`);
  line(`orders lost: ${r.lostOrders.length}${r.lostOrders.length ? ` (${r.lostOrders.slice(0, 5).join(", ")}…)` : ""}; double-counted show as qualifying_spend divergences`);
  line(`jobs failed beyond their retries: ${kinds(r.jobs.failed)}; jobs stuck: ${r.jobs.stuck}`);
  for (const reason of r.jobs.failedReasons) line(`  failed: ${reason}`);
  const w = r.writesMadeTwice;
  const repeats = w.tags + w.metafields + w.deadlines;
  line(`Shopify writes made twice: ${repeats} (tags ${w.tags}, metafields ${w.metafields}, fulfillment deadlines ${w.deadlines}); ${repeats - w.acrossProcessFault} with no process fault between the write and its repeat (allowed: none)`);
  for (const sample of w.samples) line(`    ${sample}`);
  for (const { what, trail } of r.repeatTrails) {
    line(`  writes to the resource of ${what}:`);
    for (const step of trail.slice(-20)) line(`    ${step}`);
  }
  line(`jobs processed twice to a different result: ${r.tierChangesOutOfChain.count} of ${r.tierChangesOutOfChain.of} tier changes out of their customer's chain${r.tierChangesOutOfChain.samples.length ? `: ${r.tierChangesOutOfChain.samples.join("; ")}` : ""}`);
  line(`Redis peak memory ${(r.redisPeakMemoryBytes / 1024 / 1024).toFixed(1)} MB: ${r.redisMemoryBounded ? "bounded" : "NOT bounded"}`);
  line(`oracle: ${r.customersChecked} customers and ${r.ordersChecked} promised orders checked; ${r.divergences.length} divergences; ${r.promisesBehindTheMoney} promises made for a tier still on its way (allowed)`);
  for (const d of r.divergences.slice(0, 50)) {
    line(`DIVERGENCE ${d.shop} ${d.subject}: ${d.what}: expected ${JSON.stringify(d.expected)}, store holds ${JSON.stringify(d.actual)}`);
    for (const step of d.trail.slice(-12)) line(`    ${step}`);
  }
  if (r.divergences.length > 50) line(`… and ${r.divergences.length - 50} more`);
  line(r.ok ? "RESULT: ok" : "RESULT: FAILED");
  return lines.join("\n");
}
