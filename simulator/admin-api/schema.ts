// The real Admin API schema (SDL), built once per process: building it takes about a second.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { buildSchema, type GraphQLSchema } from "graphql";

/** The app targets 2026-01; the closest published SDL is the 2025-09-17 unstable schema. */
export const ADMIN_SDL_PATH = process.env.SIMULATOR_ADMIN_SDL ?? join(import.meta.dirname, "../reference/admin-graphql/admin_unstable_2025-09-17.graphql.gz");

let cached: GraphQLSchema | undefined;

export function adminSchema(): GraphQLSchema {
  if (!cached) {
    const raw = readFileSync(ADMIN_SDL_PATH);
    const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
    cached = buildSchema(text, { assumeValidSDL: true });
  }
  return cached;
}
