// A simulator started with TMPDIR pointing at a private folder of the test's own. Each
// simulator already writes its bulk results in a folder of its own, removed on close, but a
// bulk operation still running at close writes its file after that; removing the returned
// `tmp` (after sim.close()) sweeps that up too.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../../simulator/server.ts";

export async function startSimulatorInPrivateTmp(prefix: string, options: SimulatorOptions): Promise<{ sim: RunningSimulator; tmp: string }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  const previousTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    return { sim: await startSimulator(options), tmp };
  } finally {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
  }
}
