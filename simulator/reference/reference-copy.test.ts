// The vendored reference data must stay byte-for-byte what the workplace's
// shared/reference holds (checked wherever that folder sits beside the repo).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const here = import.meta.dirname;
const shared = path.resolve(here, "../../../shared/reference");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name)).map((f) => path.join(name, f)) : [name]));
}

describe.skipIf(!existsSync(shared))("vendored Shopify reference data", () => {
  it("the Admin SDL equals shared/reference", () => {
    const vendored = gunzipSync(readFileSync(path.join(here, "admin-graphql/admin_unstable_2025-09-17.graphql.gz")));
    expect(vendored.equals(readFileSync(path.join(shared, "admin-graphql/admin_unstable_2025-09-17.graphql")))).toBe(true);
  });

  it("every webhook sample equals shared/reference", () => {
    const names = files(path.join(shared, "webhooks"));
    expect(files(path.join(here, "webhooks")).sort()).toEqual(names.sort());
    for (const name of names) {
      expect(readFileSync(path.join(here, "webhooks", name)).equals(readFileSync(path.join(shared, "webhooks", name))), name).toBe(true);
    }
  });
});
