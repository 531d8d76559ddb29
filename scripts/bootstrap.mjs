// First steps of `npm run demo` and `npm test` on any Node (a fresh machine's may
// be older than 22): install dependencies if missing, then continue on the
// Node 22 that the "node" devDependency provides.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const binDir = path.join(root, "node_modules/.bin");

export function withProjectPath(env = process.env) {
  return { ...env, PATH: `${binDir}${path.delimiter}${env.PATH ?? ""}`, TZ: "UTC" };
}

/** Installs dependencies when missing; returns true when this process may go on (it runs on Node >= 22). */
export function ensureInstalledOnNode22(script, args) {
  const installed = existsSync(path.join(root, "node_modules/node/package.json")) && existsSync(path.join(root, "node_modules/@tierline/prisma-sqlite/package.json"));
  if (!installed) {
    console.log(`▶ installing dependencies (npm install): ${installEstimate()}`);
    const started = Date.now();
    // Quiet: no funding or audit notices, no update advert, no warnings (engine warnings come
    // from packages' own ranges and need no action); errors still show.
    const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" },
    });
    if (result.status !== 0) {
      console.error("✖ npm install failed; see above. Tierline needs the npm registry to install.");
      process.exit(result.status ?? 1);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`✔ dependencies installed in ${Math.floor(seconds / 60)} min ${seconds % 60} s`);
  }
  if (Number(process.versions.node.split(".")[0]) >= 22) return true;
  const result = spawnSync(path.join(binDir, "node"), [script, ...args], { cwd: root, stdio: "inherit", env: withProjectPath() });
  process.exit(result.status ?? 1);
}

/**
 * What the first install costs: the lockfile's package count, node_modules' size and the time it
 * took on this project's 2-core development machines (3 to 5 minutes from npm's registry). The
 * install then prints what it took here. Later runs skip it.
 */
const FRESH_INSTALL_NOTE = "about 800 MB on disk, a Node 22 binary and a native SQLite driver among it";
function installEstimate() {
  let packages = 0;
  try {
    packages = Object.keys(JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")).packages ?? {}).filter((p) => p.startsWith("node_modules/")).length;
  } catch {}
  return `${packages ? `${packages} packages, ` : ""}${FRESH_INSTALL_NOTE}; expect 3–5 minutes (as measured on a 2-core machine), once`;
}
