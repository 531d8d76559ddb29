// Where the browser tests (and the demo's smoke test) find Chromium, and what
// happens without it: on a developer's machine the browser tests are skipped with
// a note; in CI (CI set, as every CI service sets it) a missing Chromium is a failure,
// so a broken image cannot pass by running none of them.
import { existsSync } from "node:fs";

export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

export type ChromiumPlan = { run: true; path: string } | { run: false; skip: true; reason: string } | { run: false; skip: false; reason: string };

const isSet = (value: string | undefined) => value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";

export function chromiumPlan(env: Record<string, string | undefined> = process.env, exists: (path: string) => boolean = existsSync): ChromiumPlan {
  const path = env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (exists(path)) return { run: true, path };
  const reason = `Chromium not found at ${path} (install Debian's chromium, or set CHROMIUM_PATH)`;
  return isSet(env.CI) ? { run: false, skip: false, reason: `${reason}; CI requires the browser tests to run` } : { run: false, skip: true, reason };
}
