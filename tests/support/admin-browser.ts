// The app's pages in headless Chromium, framed by the simulated Shopify admin as a merchant sees
// them: opening a page, waiting for React to hydrate, checking nothing is wider than the screen,
// and keeping a full-page screenshot in tests/.artifacts.
import path from "node:path";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { MERCHANT_BROWSER } from "../../simulator/admin/install.ts";
import { ROOT } from "../../scripts/lib/app-processes.ts";
import type { chromiumPlan } from "../../scripts/lib/chromium.ts";

export const ARTIFACTS = path.join(ROOT, "tests/.artifacts");

/** Without Chromium a browser suite is skipped on a developer's machine and fails in CI. */
export function failWithoutChromium(suite: string, plan: ReturnType<typeof chromiumPlan>): void {
  if (plan.run || plan.skip) return;
  describe(suite, () => {
    it("needs Chromium", () => {
      throw new Error(plan.reason);
    });
  });
}

/** A page of the simulated admin (`/_sim/admin/{pathname}`), with what its console and errors said. */
export async function openInAdmin(browser: Browser, origin: string, pathname: string, width: number): Promise<{ page: Page; app: FrameLocator; seen: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, userAgent: MERCHANT_BROWSER });
  page.setDefaultTimeout(30_000);
  const seen: string[] = [];
  page.on("console", (m) => seen.push(`console.${m.type()}: ${m.text().slice(0, 300)}`));
  page.on("pageerror", (e) => seen.push(`pageerror: ${e.message.slice(0, 300)}`));
  await page.goto(`${origin}/_sim/admin/${pathname}`);
  return { page, app: page.frameLocator("iframe"), seen };
}

/** What a page said that means it broke: uncaught errors and hydration mismatches. */
export const pageFailures = (seen: readonly string[]) => seen.filter((line) => /pageerror|Hydration|did not match/i.test(line));

/** Hydrated: React keeps an element's props on it; a click before that does nothing. */
export async function hydrated(app: FrameLocator, selector: string): Promise<void> {
  await expect.poll(() => app.locator(selector).first().evaluate((el) => Object.keys(el).some((key) => key.startsWith("__reactProps"))), { timeout: 30_000 }).toBe(true);
}

/**
 * The app's document against its frame's width, with the first elements that stick out; elements
 * inside `scrollsInside` (a box that scrolls on its own, like a data table on a phone) do not count.
 */
export async function appOverflow(app: FrameLocator, scrollsInside?: string): Promise<{ scrollWidth: number; width: number; wide: string[] }> {
  return app.locator("body").evaluate((_, inside) => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => !(inside && el.closest(inside)) && el.getBoundingClientRect().right > width + 1 && el.getClientRects().length > 0)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} → ${Math.round(el.getBoundingClientRect().right)}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, wide };
  }, scrollsInside ?? null);
}

/** The whole app page: the admin frame scrolls inside, so the window grows to the app's height first. */
export async function shootApp(page: Page, app: FrameLocator, name: string, maxHeight = 8_000): Promise<void> {
  const width = page.viewportSize()?.width ?? 1440;
  const height = await app.locator("body").evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height: Math.min(maxHeight, height + 120) });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
  await page.setViewportSize({ width, height: 900 });
}
