// `npm run dev:web` (what `shopify app dev` runs, see shopify.web.toml): rebuilds
// the Remix app on change and restarts the web process and a worker process with
// it. The Shopify CLI provides PORT, SHOPIFY_API_KEY, SHOPIFY_API_SECRET,
// SHOPIFY_APP_URL and SCOPES.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The app's processes run in production mode unless told otherwise; this is development.
const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? "development" };
const children = [];
const run = (args) => {
  const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit", env });
  children.push(child);
  return child;
};
const build = spawn(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "build"], { cwd: root, stdio: "inherit" });
build.on("exit", (code) => {
  if (code !== 0) process.exit(code ?? 1);
  run([path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "watch"]);
  // node --watch restarts a process when a file it loaded (including build/index.js) changes.
  run(["--watch", "--import", "tsx", "app/server/web-process.ts"]);
  run(["--watch", "--import", "tsx", "app/workers/worker-process.ts"]);
});
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
