// A save heard by every copy of the module in the process: the web process loads one in the Remix
// build (the admin pages save there) and one of its own (the checkout fast path listens there).
import { expect, it } from "vitest";
import { onShopSettingsSaved, shopSettingsSaved } from "./shop-settings-changes.server.ts";

it("tells listeners registered through another copy of the module", async () => {
  // A query string makes the module loader evaluate the file again: a second, separate copy.
  const secondCopy: string = "./shop-settings-changes.server.ts?second-copy";
  const copy = (await import(/* @vite-ignore */ secondCopy)) as typeof import("./shop-settings-changes.server.ts");
  expect(copy.shopSettingsSaved).not.toBe(shopSettingsSaved);
  const heard: string[] = [];
  const stop = copy.onShopSettingsSaved((shop) => heard.push(shop));
  shopSettingsSaved("a.myshopify.com");
  stop();
  shopSettingsSaved("b.myshopify.com");
  expect(heard).toEqual(["a.myshopify.com"]);
  const heardHere: string[] = [];
  const stopHere = onShopSettingsSaved((shop) => heardHere.push(shop));
  copy.shopSettingsSaved("c.myshopify.com");
  stopHere();
  expect(heardHere).toEqual(["c.myshopify.com"]);
});
