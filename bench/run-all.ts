// `npm run bench`: runs every bench/*.bench.ts in turn, each in its own Node
// process, passes its output through, and ends with one line per benchmark.
//   npm run bench                     all benchmarks
//   npm run bench -- webhook          only those whose file name contains "webhook"
// Each benchmark prints a one-line JSON summary as its last line; the summary
// lines are repeated at the end. Exit code 1 when any benchmark fails.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const benchDir = import.meta.dirname;
const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

let current: ChildProcess | null = null;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    // The benchmark cleans up its own servers and Redis on this signal.
    if (current && current.exitCode === null) current.kill(signal);
    else process.exit(130);
  });
}

function run(file: string): Promise<{ code: number; summary: string | null; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(benchDir, file)], { stdio: ["ignore", "pipe", "inherit"] });
    current = child;
    let summary: string | null = null;
    let partial = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("{")) summary = line;
    });
    child.on("error", (error) => {
      console.error(`${file}: ${error.message}`);
      resolve({ code: 1, summary, seconds: (Date.now() - started) / 1000 });
    });
    child.on("exit", (code, signal) => {
      if (partial.startsWith("{")) summary = partial;
      current = null;
      resolve({ code: code ?? (signal ? 1 : 0), summary, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main(): Promise<number> {
  if (files.length === 0) {
    console.error(`No bench/*.bench.ts${filters.length ? ` matching ${filters.join(", ")}` : ""}.`);
    return 1;
  }
  const results: Array<{ file: string; code: number; summary: string | null; seconds: number }> = [];
  for (const file of files) {
    console.log(`\n▶ ${file}`);
    results.push({ file, ...(await run(file)) });
  }
  console.log("\nBenchmarks:");
  for (const r of results) {
    console.log(`  ${r.code === 0 ? "ok    " : "FAILED"} ${r.file} (${r.seconds.toFixed(0)} s)${r.summary ? `\n    ${r.summary}` : ""}`);
  }
  return results.every((r) => r.code === 0) ? 0 : 1;
}

main().then((code) => process.exit(code));
