// Lint: TypeScript's recommended rules, and the domain stays pure (no I/O imports).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/", "public/build/", "node_modules/", ".cache/", "**/*.d.ts", "extensions/*/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", fetch: "readonly", Response: "readonly", Request: "readonly", Headers: "readonly", performance: "readonly", AbortController: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", setInterval: "readonly", clearInterval: "readonly", queueMicrotask: "readonly", structuredClone: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    files: ["app/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@prisma/*", "@tierline/*", "bullmq", "ioredis", "@shopify/*", "@remix-run/*", "node:*", "pg", "better-sqlite3"], message: "app/domain is pure: no I/O or framework imports." },
            { group: ["../adapters/*", "../use-cases/*", "../workers/*", "../routes/*", "../*.server*"], message: "app/domain must not depend on outer layers." },
          ],
        },
      ],
    },
  },
  {
    // Use-cases are called by workers and routes, never the other way round; what they
    // enqueue goes through app/adapters/queues.
    files: ["app/use-cases/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["../workers/*", "../routes/*"], message: "app/use-cases must not depend on workers or routes (enqueue helpers live in app/adapters/queues)." }] }],
    },
  },
);
