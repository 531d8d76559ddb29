// The sync's recent tier-tag writes, as the tag webhooks consult them before reading a row.
import { describe, expect, it } from "vitest";
import { isEchoOfRecentWrite, rememberTierTagWrite } from "./recent-tier-tag-writes.ts";

describe("recent tier tag writes", () => {
  const shop = "memory.myshopify.com";
  const at = 1_000_000;

  it("recognises the add of the tag written and the removal of any other tier tag", () => {
    rememberTierTagWrite(shop, "gid://shopify/Customer/1", "tierline:gold", at);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/1", { added: ["tierline:gold"], removed: [] }, at + 1_000)).toBe(true);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/1", { added: [], removed: ["tierline:silver"] }, at + 1_000)).toBe(true);
  });

  it("leaves to the row what does not match the write: another tier tag added, the written one removed", () => {
    rememberTierTagWrite(shop, "gid://shopify/Customer/2", "tierline:gold", at);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/2", { added: ["tierline:silver"], removed: [] }, at)).toBe(false);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/2", { added: [], removed: ["tierline:gold"] }, at)).toBe(false);
  });

  it("forgets after a minute, and knows nothing of members, shops or writes it did not make", () => {
    rememberTierTagWrite(shop, "gid://shopify/Customer/3", "tierline:gold", at);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/3", { added: ["tierline:gold"], removed: [] }, at + 60_001)).toBe(false);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/4", { added: ["tierline:gold"], removed: [] }, at)).toBe(false);
    expect(isEchoOfRecentWrite("other.myshopify.com", "gid://shopify/Customer/3", { added: ["tierline:gold"], removed: [] }, at)).toBe(false);
  });

  it("a member written with no tier tag (the 250-tag limit): the removals of tier tags are its echoes", () => {
    rememberTierTagWrite(shop, "gid://shopify/Customer/5", null, at);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/5", { added: [], removed: ["tierline:gold"] }, at)).toBe(true);
    expect(isEchoOfRecentWrite(shop, "gid://shopify/Customer/5", { added: ["tierline:gold"], removed: [] }, at)).toBe(false);
  });
});
