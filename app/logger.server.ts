// Structured one-line JSON logs on stdout (stderr for warnings and errors).
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(name: string, level: Level = (process.env.LOG_LEVEL as Level) || "info"): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const write = (at: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < min) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level: at, logger: name, msg: message, ...fields });
    (at === "warn" || at === "error" ? process.stderr : process.stdout).write(line + "\n");
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
