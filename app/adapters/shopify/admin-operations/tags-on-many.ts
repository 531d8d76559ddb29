// Tags added to (or removed from) many customers or orders in one request: one aliased
// mutation field per resource. Each field costs the points its own request would (10);
// the request saves the HTTP round trips, which cost the worker more CPU than anything
// else it sends (the tier sync and the promise writes made one request per resource).
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export type TagMutation = "tagsAdd" | "tagsRemove";

export interface TagChange {
  id: string;
  tags: string[];
}

/** Resources per request: 250 points, a quarter of a request's 1,000-point limit. */
export const MAX_TAG_CHANGES_PER_CALL = 25;

type ManyData = Record<string, { userErrors: UserError[] } | null>;
type ManyVariables = Record<string, string | string[]>;

/** The document for `count` resources: fields t0…tN-1 with variables $id0/$tags0…. */
export function tagsOnManyDocument(mutation: TagMutation, count: number): string {
  const indexes = Array.from({ length: count }, (_, i) => i);
  const variables = indexes.map((i) => `$id${i}: ID!, $tags${i}: [String!]!`).join(", ");
  const fields = indexes.map((i) => `    t${i}: ${mutation}(id: $id${i}, tags: $tags${i}) {\n      userErrors {\n        field\n        message\n      }\n    }`).join("\n");
  return `#graphql\n  mutation ${mutation === "tagsAdd" ? "TagsAddMany" : "TagsRemoveMany"}(${variables}) {\n${fields}\n  }\n`;
}

/** Documents as sent (two resources), for the check against the Admin schema. */
export const TAGS_ADD_MANY_EXAMPLE = tagsOnManyDocument("tagsAdd", 2);
export const TAGS_REMOVE_MANY_EXAMPLE = tagsOnManyDocument("tagsRemove", 2);

const operations = new Map<string, AdminOperation<ManyData, ManyVariables>>();

function operationFor(mutation: TagMutation, count: number): AdminOperation<ManyData, ManyVariables> {
  const key = `${mutation}|${count}`;
  let operation = operations.get(key);
  if (!operation) {
    operation = { name: mutation === "tagsAdd" ? "TagsAddMany" : "TagsRemoveMany", query: tagsOnManyDocument(mutation, count), cost: () => 10 * count };
    operations.set(key, operation);
  }
  return operation;
}

/**
 * Applies the changes in one request (at most MAX_TAG_CHANGES_PER_CALL). Returns each change's
 * refusal, in order (null: applied); a failure of the request itself (throttled, timed out, a
 * 5xx) throws, and then any of them may or may not have landed.
 */
export async function changeTagsOnMany(runner: AdminRunner, mutation: TagMutation, changes: readonly TagChange[]): Promise<Array<Error | null>> {
  if (changes.length === 0) return [];
  if (changes.length > MAX_TAG_CHANGES_PER_CALL) throw new Error(`changeTagsOnMany: at most ${MAX_TAG_CHANGES_PER_CALL} changes a request`);
  const variables: ManyVariables = {};
  changes.forEach((change, i) => {
    variables[`id${i}`] = change.id;
    variables[`tags${i}`] = change.tags;
  });
  const data = await runner.run(operationFor(mutation, changes.length), variables);
  return changes.map((_, i) => {
    try {
      throwOnUserErrors(mutation, data[`t${i}`]);
      return null;
    } catch (error) {
      return error as Error;
    }
  });
}
