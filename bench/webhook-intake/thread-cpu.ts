// CPU seconds of the calling thread alone (the app's intake also writes from a
// worker thread, so process CPU no longer says how busy its event loop is).
export function mainThreadCpuSeconds(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1e6;
}
