import { defineConfig } from "vitest/config";

// Tests live beside the code they test (app/**, simulator/**) and in tests/.
// Rules take `now` as an argument; TZ is pinned so date arithmetic is the same everywhere.
process.env.TZ = "UTC";

export default defineConfig({
  test: {
    include: ["app/**/*.test.ts", "simulator/**/*.test.ts", "tests/**/*.test.ts", "extensions/*/src/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["tests/support/global-setup.ts"],
    // The extension tester imports the extension's module itself; inlined so vite transforms it
    // (the extension tests choose jsdom per file; everything else stays in node).
    server: { deps: { inline: ["@shopify/ui-extensions-tester"] } },
    // The extensions' backend, as a deploy compiles it in (extensions/shared/src/promise-request.ts).
    env: { TIERLINE_APP_URL: "https://tierline-app.test" },
  },
});
