// Runs after `npm install`. npm itself may run on an older system Node and so
// build native addons for it; the app runs on the Node 22 that the `node`
// devDependency puts first on every npm script's PATH. Rebuild the SQLite
// driver for that Node, then generate the Prisma clients.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`[postinstall] Node ${process.version} is running; Tierline needs Node >= 22 (the "node" devDependency provides it).`);
  process.exit(1);
}

function sqliteLoads() {
  const probe = spawnSync(process.execPath, ["-e", "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get()"], { cwd: root, stdio: "ignore" });
  return probe.status === 0;
}

if (!sqliteLoads()) {
  // The headers of the Node we run on: the node@22 package ships them beside its binary.
  const candidates = [
    path.join(root, "node_modules/node/node_modules"),
  ].filter(existsSync);
  let nodedir;
  for (const dir of candidates) {
    for (const entry of readdirSync(dir)) {
      if (existsSync(path.join(dir, entry, "include/node/node_api.h"))) nodedir = path.join(dir, entry);
    }
  }
  if (!nodedir) nodedir = path.resolve(path.dirname(process.execPath), "..");
  console.log(`[postinstall] rebuilding better-sqlite3 for Node ${process.version} (headers: ${nodedir})`);
  execFileSync("npm", ["rebuild", "better-sqlite3"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  if (!sqliteLoads()) {
    console.error("[postinstall] better-sqlite3 still does not load on this Node; see the log above.");
    process.exit(1);
  }
}

// Generate both Prisma clients (SQLite and PostgreSQL) from the committed schemas.
if (existsSync(path.join(root, "prisma/schema.prisma"))) {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/db.ts", "generate"], { cwd: root, stdio: "inherit" });
}
