// Removes tags from a customer. Only ever called with tags Tierline owns.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const TAGS_REMOVE_MUTATION = `#graphql
  mutation TagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      userErrors {
        field
        message
      }
    }
  }
`;

export type TagsRemoveVariables = { id: string; tags: string[] };
export type TagsRemoveData = { tagsRemove: { userErrors: UserError[] } | null };

export const tagsRemoveOperation: AdminOperation<TagsRemoveData, TagsRemoveVariables> = {
  name: "TagsRemove",
  query: TAGS_REMOVE_MUTATION,
  cost: () => 10,
};

export async function removeTags(runner: AdminRunner, ownerGid: string, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  const data = await runner.run(tagsRemoveOperation, { id: ownerGid, tags });
  throwOnUserErrors("tagsRemove", data.tagsRemove);
}
