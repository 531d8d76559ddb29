// Every Admin operation Tierline sends is valid against Shopify's published SDL.
import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { adminSchema } from "../../../../simulator/admin-api/schema.ts";
import { CUSTOMER_TAGS_AND_METAFIELDS_QUERY } from "./customer-tags-and-metafields.ts";
import { METAFIELDS_DELETE_MUTATION } from "./metafields-delete.ts";
import { METAFIELDS_SET_MUTATION } from "./metafields-set.ts";
import { TAGS_ADD_MUTATION } from "./tags-add.ts";
import { TAGS_REMOVE_MUTATION } from "./tags-remove.ts";

const OPERATIONS = {
  CustomerTagsAndMetafields: CUSTOMER_TAGS_AND_METAFIELDS_QUERY,
  TagsAdd: TAGS_ADD_MUTATION,
  TagsRemove: TAGS_REMOVE_MUTATION,
  MetafieldsSet: METAFIELDS_SET_MUTATION,
  MetafieldsDelete: METAFIELDS_DELETE_MUTATION,
};

describe("Admin operations", () => {
  // The SDL the simulator serves: Shopify's published schema closest to API_VERSION.
  const schema = adminSchema();

  it.each(Object.entries(OPERATIONS))("%s validates against the Admin SDL", (name, query) => {
    expect(query.trimStart().startsWith("#graphql")).toBe(true);
    const document = parse(query);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const operations = document.definitions.filter((d) => d.kind === "OperationDefinition");
    expect(operations).toHaveLength(1);
    expect(operations[0].kind === "OperationDefinition" && operations[0].name?.value).toBe(name);
  });
});
