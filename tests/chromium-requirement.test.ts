// The browser tests and the demo smoke test need Chromium: skipped without it on a
// developer's machine, a failure in CI.
import { describe, expect, it } from "vitest";
import { chromiumPlan } from "../scripts/lib/chromium.ts";

describe("Chromium for the browser tests", () => {
  const none = () => false;
  it("runs them when Chromium is there", () => {
    expect(chromiumPlan({ CHROMIUM_PATH: "/opt/chromium" }, (p) => p === "/opt/chromium")).toEqual({ run: true, path: "/opt/chromium" });
    expect(chromiumPlan({}, (p) => p === "/usr/bin/chromium")).toEqual({ run: true, path: "/usr/bin/chromium" });
  });
  it("skips them on a developer's machine without it, and fails in CI", () => {
    expect(chromiumPlan({}, none)).toMatchObject({ run: false, skip: true });
    expect(chromiumPlan({ CI: "false" }, none)).toMatchObject({ run: false, skip: true });
    for (const CI of ["true", "1", "yes"]) expect(chromiumPlan({ CI }, none)).toMatchObject({ run: false, skip: false, reason: expect.stringMatching(/CI requires/) });
  });
});
