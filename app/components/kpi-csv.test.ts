import { describe, expect, it } from "vitest";
import { csvDataUrl, toCsv } from "./kpi-csv.ts";

describe("CSV export", () => {
  it("quotes what needs quoting and ends every row with CRLF", () => {
    expect(toCsv(["tier", "note"], [["gold", 'say "hi"'], ["a,b", null], ["x\ny", 3]])).toBe('tier,note\r\ngold,"say ""hi"""\r\n"a,b",\r\n"x\ny",3\r\n');
  });

  it("carries the text in a data URL", () => {
    expect(decodeURIComponent(csvDataUrl("a,b\r\n").split(",").slice(1).join(","))).toBe("a,b\r\n");
  });
});
