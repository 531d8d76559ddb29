// `npm test`: installs what is missing, checks the services the suite needs,
// then type-checks, lints, runs the whole vitest suite (unit and integration on
// SQLite and PostgreSQL, real Redis) and the demo as a smoke test.
// Written to run on any Node (the system's may be older than 22): it re-runs
// itself on the Node 22 that the "node" devDependency provides.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { binDir as bin, ensureInstalledOnNode22, root, withProjectPath } from "./bootstrap.mjs";

ensureInstalledOnNode22(fileURLToPath(import.meta.url), process.argv.slice(2));
const env = withProjectPath();

function run(label, command, args, options = {}) {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env, ...options });
  if (result.status !== 0) {
    console.error(`✖ ${label} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

function portOpen(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
    setTimeout(() => { socket.destroy(); resolve(false); }, 1000);
  });
}

function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

// Redis: the integration tests start private redis-server processes of their own.
if (!has("redis-server")) {
  console.error("✖ redis-server is not installed. Install it (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) and run `npm test` again.");
  process.exit(1);
}
// PostgreSQL: the suite runs against TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test).
const pgUrl = new URL(process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test");
if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) {
  if (has("pg_ctlcluster") && existsSync("/etc/postgresql")) {
    try {
      const version = execFileSync("ls", ["/etc/postgresql"], { encoding: "utf8" }).trim().split("\n")[0];
      execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], { stdio: "inherit" });
    } catch {}
  }
  if (!(await portOpen(Number(pgUrl.port || 5432), pgUrl.hostname))) {
    console.error(`✖ PostgreSQL is not reachable at ${pgUrl.host}. Start it, or set TEST_PG_URL to a database the tests may create schemas in.`);
    process.exit(1);
  }
}

run("generate Prisma clients", process.execPath, ["--import", "tsx", "scripts/db.ts", "generate"], { stdio: ["ignore", "ignore", "inherit"] });
run("type-check (tsc --noEmit)", path.join(bin, "tsc"), ["--noEmit", "-p", "."]);
run("lint (eslint)", path.join(bin, "eslint"), ["."]);
run("tests (vitest: unit, integration on SQLite and PostgreSQL, real Redis)", path.join(bin, "vitest"), ["run"]);
if (existsSync(path.join(root, "scripts/demo.ts"))) {
  run("demo smoke test (npm run demo -- --once)", process.execPath, ["--import", "tsx", "scripts/demo.ts", "--once"]);
}
console.log("\n✔ npm test passed");
