// `npm run demo`'s options, checked before anything starts or installs (plain JavaScript: the
// wrapper scripts/demo.mjs runs it on whatever Node the machine has, before `npm install`).

/** The seeded store sizes the demo offers (the simulator's `large` is for benchmarks). */
export const DEMO_SIZES = ["tiny", "small", "medium"];

export const DEMO_USAGE = `usage: npm run demo -- [--once] [--size ${DEMO_SIZES.join("|")}] [--orders N] [--seed N]
  --once       run the scenario, print a one-line JSON summary and exit (non-zero when an outcome breaks the rules)
  --size       the seeded store: tiny (10 customers, 40 orders), small (200, 1,000; default), medium (2,000, 10,000)
  --orders N   live orders placed during the demo, 1–500 (default 40)
  --seed N     the store's seed, a whole number (default 42): the same seed gives the same store and the same counts`;

/**
 * @param {string[]} args
 * @returns {{ ok: true, options: { once: boolean, size: string, orders: number, seed: number, help: boolean } } | { ok: false, message: string }}
 */
export function parseDemoOptions(args) {
  const options = { once: false, size: "small", orders: 40, seed: 42, help: false };
  const whole = (name, text, min, max) => {
    if (text === undefined || text.startsWith("--")) return `--${name} needs a value`;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) return `--${name} must be a whole number from ${min} to ${max} (got "${text}")`;
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : args[++i]);
    switch (flag) {
      case "--once":
        options.once = true;
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      case "--size": {
        const size = value();
        if (!DEMO_SIZES.includes(size)) return { ok: false, message: `--size ${size ?? ""}`.trim() + ` is not a size the demo offers: choose ${DEMO_SIZES.join(", ")}` };
        options.size = size;
        break;
      }
      case "--orders": {
        const text = value();
        const problem = whole("orders", text, 1, 500);
        if (problem) return { ok: false, message: problem };
        options.orders = Number(text);
        break;
      }
      case "--seed": {
        const text = value();
        const problem = whole("seed", text, 0, 2 ** 31 - 1);
        if (problem) return { ok: false, message: problem };
        options.seed = Number(text);
        break;
      }
      default:
        return { ok: false, message: `unknown option "${arg}"` };
    }
  }
  return { ok: true, options };
}
