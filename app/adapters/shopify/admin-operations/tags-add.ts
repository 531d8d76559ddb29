// Adds tags to a customer. A set operation: tags already present are left as they are.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const TAGS_ADD_MUTATION = `#graphql
  mutation TagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      userErrors {
        field
        message
      }
    }
  }
`;

export type TagsAddVariables = { id: string; tags: string[] };
export type TagsAddData = { tagsAdd: { userErrors: UserError[] } | null };

export const tagsAddOperation: AdminOperation<TagsAddData, TagsAddVariables> = {
  name: "TagsAdd",
  query: TAGS_ADD_MUTATION,
  cost: () => 10,
};

export async function addTags(runner: AdminRunner, ownerGid: string, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  const data = await runner.run(tagsAddOperation, { id: ownerGid, tags });
  throwOnUserErrors("tagsAdd", data.tagsAdd);
}
