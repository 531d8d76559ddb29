// Adds tags to a customer or an order. A set operation: tags already present are left as they
// are. This one-resource document is the line of a bulk mutation (bulk-mutation.ts); direct
// calls send many resources a request (tags-on-many.ts).
import type { UserError } from "./user-errors.ts";

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

/** What one line of the bulk mutation answers. */
export type TagsAddData = { tagsAdd: { userErrors: UserError[] } | null };
