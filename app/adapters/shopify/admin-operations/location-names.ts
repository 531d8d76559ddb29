// The shop's locations by name: pages show "Main warehouse", not a location id.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";

export const LOCATION_NAMES_QUERY = `#graphql
  query LocationNames {
    locations(first: 100, includeInactive: true) {
      nodes {
        id
        name
      }
    }
  }
`;

export type LocationNamesData = { locations: { nodes: { id: string; name: string }[] } };

export const locationNamesOperation: AdminOperation<LocationNamesData, Record<string, never>> = {
  name: "LocationNames",
  query: LOCATION_NAMES_QUERY,
  cost: () => 12,
};

/** GID → name. */
export async function readLocationNames(runner: AdminRunner): Promise<Map<string, string>> {
  const data = await runner.run(locationNamesOperation, {});
  return new Map(data.locations.nodes.map((l) => [l.id, l.name]));
}
