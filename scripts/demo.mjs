// `npm run demo`: see scripts/demo.ts. This wrapper installs what is missing and
// moves to Node 22 first, so it works on a fresh clone.
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureInstalledOnNode22, root, withProjectPath } from "./bootstrap.mjs";

ensureInstalledOnNode22(fileURLToPath(import.meta.url), process.argv.slice(2));
const result = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "scripts/demo.ts"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit", env: withProjectPath() });
process.exit(result.status ?? 1);
