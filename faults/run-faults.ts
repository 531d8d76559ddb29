// `npm run faults [-- --profile small|full|scale-out] [--database sqlite|postgresql] [--redis single|cluster]`
// [--web N] [--workers N]: the fault-injection
// replay and its oracle (fault-replay.ts). Prints what was delivered, the faults injected by kind,
// the repairs, the time to converge and every divergence with its customer's event trail; exits 1
// on any divergence, lost order, failed or stuck job, or unbounded Redis memory.
// Then the security and isolation cases (tests/security-*.test.ts: signatures, session tokens,
// another shop's ids and data, GDPR scans, oversized and malformed bodies) on both databases,
// as `npm test` runs them; `--skip-security` leaves them out.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/app-processes.ts";
import { FAULT_PROFILES } from "./fault-profiles.ts";
import { formatFaultReport } from "./fault-report.ts";
import { runFaultReplay } from "./fault-replay.ts";

const { values } = parseArgs({
  options: {
    profile: { type: "string", default: "small" }, database: { type: "string", default: "sqlite" }, redis: { type: "string", default: "single" },
    web: { type: "string", default: "1" }, workers: { type: "string", default: "1" }, "skip-security": { type: "boolean" }, help: { type: "boolean" },
  },
});
if (values.help) {
  console.log("npm run faults -- [--profile small|full|scale-out] [--database sqlite|postgresql] [--redis single|cluster] [--web N] [--workers N] [--skip-security]");
  process.exit(0);
}
const profile = FAULT_PROFILES[values.profile as keyof typeof FAULT_PROFILES];
if (!profile) {
  console.error(`--profile must be one of ${Object.keys(FAULT_PROFILES).join(", ")}`);
  process.exit(2);
}
if (values.database !== "sqlite" && values.database !== "postgresql") {
  console.error("--database must be sqlite or postgresql");
  process.exit(2);
}
if (values.redis !== "single" && values.redis !== "cluster") {
  console.error("--redis must be single or cluster");
  process.exit(2);
}
const webProcesses = Number(values.web);
const workerProcesses = Number(values.workers);
if (![webProcesses, workerProcesses].every((n) => Number.isInteger(n) && n >= 1)) {
  console.error("--web and --workers must be whole numbers ≥ 1");
  process.exit(2);
}
// The web process serves the Remix build: made once when missing, as the test suite does.
if (!existsSync(path.join(ROOT, "build/index.js"))) {
  console.log("  building the Remix app (once)…");
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"], { cwd: ROOT, stdio: "ignore" });
}
const load = os.loadavg()[0];
const cpuBefore = process.cpuUsage();
const report = await runFaultReplay({
  profile,
  database: values.database,
  redis: values.redis === "cluster" ? "cluster" : undefined,
  webProcesses,
  workerProcesses,
  convergeTimeoutMs: profile.name === "full" ? 900_000 : 240_000,
  redisMemoryLimitBytes: profile.name === "full" ? 512 * 1024 * 1024 : 128 * 1024 * 1024,
  log: (line) => console.log(`  ${line}`),
});
console.log(formatFaultReport(report));
const cpu = process.cpuUsage(cpuBefore);
console.log(`  load average ${load.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after, on ${os.cpus().length} CPUs; this process (simulator + load) ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
let securityOk = true;
if (!values["skip-security"]) {
  console.log("\n  security and isolation cases (tests/security-*.test.ts, SQLite and PostgreSQL):");
  const securityFiles = readdirSync(path.join(ROOT, "tests")).filter((name) => /^security-.*\.test\.ts$/.test(name)).map((name) => `tests/${name}`);
  const vitest = spawnSync(process.execPath, [path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run", ...securityFiles], { cwd: ROOT, stdio: "inherit" });
  securityOk = vitest.status === 0;
}
process.exit(report.ok && securityOk ? 0 : 1);
