// Every GraphQL document in app/ (each template literal tagged `#graphql`) is
// valid against Shopify's Admin schema, the one the simulator serves: a renamed
// field or a wrong argument type fails here before it fails in production.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { adminSchema } from "../simulator/admin-api/schema.ts";
import { ROOT } from "../scripts/lib/app-processes.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

// The documents as the app sends them: the modules' exported strings (some are
// assembled from shared field lists), every `#graphql` literal accounted for.
const files = sourceFiles(path.join(ROOT, "app")).filter((file) => readFileSync(file, "utf8").includes("`#graphql"));
const documents: Array<{ name: string; text: string }> = [];
const unexported: string[] = [];
for (const file of files) {
  const module = (await import(file)) as Record<string, unknown>;
  const texts = new Set<string>();
  for (const value of Object.values(module)) {
    if (typeof value === "string" && value.trimStart().startsWith("#graphql")) texts.add(value);
    const query = (value as { query?: unknown } | null)?.query;
    if (typeof query === "string" && query.trimStart().startsWith("#graphql")) texts.add(query);
  }
  const literals = readFileSync(file, "utf8").match(/`#graphql/g)?.length ?? 0;
  if (texts.size < literals) unexported.push(path.relative(ROOT, file));
  [...texts].forEach((text, i) => documents.push({ name: `${path.relative(ROOT, file)}#${i + 1}`, text }));
}

describe("GraphQL documents in app/", () => {
  const schema = adminSchema();

  it("finds every document the app sends (each module exports its documents)", () => {
    expect(unexported).toEqual([]);
    expect(documents.length).toBeGreaterThanOrEqual(8);
  });

  it.each(documents)("$name is valid against the Admin schema, one named operation", ({ text }) => {
    const document = parse(text);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const operations = document.definitions.filter((d) => d.kind === "OperationDefinition");
    expect(operations).toHaveLength(1);
    expect(operations[0].kind === "OperationDefinition" && operations[0].name?.value).toMatch(/^[A-Z][A-Za-z0-9]+$/);
  });

  it("rejects a renamed field (the check is not vacuous)", () => {
    const broken = parse("query { shop { currencyCodeRenamed } }");
    expect(validate(schema, broken).length).toBeGreaterThan(0);
  });
});
