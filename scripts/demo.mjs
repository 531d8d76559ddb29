// `npm run demo`: see scripts/demo.ts. This wrapper checks the options first (nothing starts or
// installs on a typo), installs what is missing and moves to Node 22, so it works on a fresh clone.
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureInstalledOnNode22, root, withProjectPath } from "./bootstrap.mjs";
import { DEMO_USAGE, parseDemoOptions } from "./lib/demo-options.mjs";

const args = process.argv.slice(2);
const parsed = parseDemoOptions(args);
if (!parsed.ok) {
  console.error(`✖ ${parsed.message}\n\n${DEMO_USAGE}`);
  process.exit(2);
}
if (parsed.options.help) {
  console.log(DEMO_USAGE);
  process.exit(0);
}
ensureInstalledOnNode22(fileURLToPath(import.meta.url), args);
const result = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "scripts/demo.ts"), ...args], { cwd: root, stdio: "inherit", env: withProjectPath() });
process.exit(result.status ?? 1);
