// Deletes metafields whose value no longer applies (e.g. "spend to next tier" at
// the top tier). Deleting one that does not exist is not an error.
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const METAFIELDS_DELETE_MUTATION = `#graphql
  mutation MetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {
    metafieldsDelete(metafields: $metafields) {
      deletedMetafields {
        key
        namespace
        ownerId
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export type MetafieldIdentifierInput = { ownerId: string; namespace: string; key: string };
export type MetafieldsDeleteVariables = { metafields: MetafieldIdentifierInput[] };
export type MetafieldsDeleteData = {
  metafieldsDelete: { deletedMetafields: ({ key: string; namespace: string; ownerId: string } | null)[] | null; userErrors: UserError[] } | null;
};

/** Array inputs hold at most 250 items. */
const MAX_PER_CALL = 250;

export const metafieldsDeleteOperation: AdminOperation<MetafieldsDeleteData, MetafieldsDeleteVariables> = {
  name: "MetafieldsDelete",
  query: METAFIELDS_DELETE_MUTATION,
  cost: () => 10,
};

export async function deleteMetafields(runner: AdminRunner, metafields: MetafieldIdentifierInput[]): Promise<void> {
  for (let i = 0; i < metafields.length; i += MAX_PER_CALL) {
    const data = await runner.run(metafieldsDeleteOperation, { metafields: metafields.slice(i, i + MAX_PER_CALL) });
    throwOnUserErrors("metafieldsDelete", data.metafieldsDelete);
  }
}
