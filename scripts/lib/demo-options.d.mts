// Types of demo-options.mjs (plain JavaScript: it runs before dependencies are installed).
export declare const DEMO_SIZES: readonly string[];
export declare const DEMO_USAGE: string;
export type DemoOptions = { once: boolean; size: string; orders: number; seed: number; help: boolean };
export declare function parseDemoOptions(args: readonly string[]): { ok: true; options: DemoOptions } | { ok: false; message: string };
