// The byte scan must accept exactly what JSON.parse accepts as an object or array.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isJsonObjectText, jsonObjectProblem, MAX_JSON_NESTING } from "./json-payload.ts";

const bytes = (text: string) => Buffer.from(text, "utf8");
const byJsonParse = (text: string) => {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object";
  } catch {
    return false;
  }
};
const sample = readFileSync(new URL("../../simulator/reference/webhooks/orders_create.json", import.meta.url), "utf8");

// Text near JSON: valid documents (objects and arrays, as Shopify sends), then cut
// and sprinkled with JSON's own characters at a few places.
const alphabet = [..."{}[]\",:.-+eE0123456789 \t\n\r\f\v\\/ubfnrtaslx\u0000\u001f\u00e9\u2028😀"];
const mutation = fc.record({ at: fc.nat(), cut: fc.nat({ max: 3 }), insert: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 3 }) });
const document = fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), fc.boolean()).map(([value, inArray, pretty]) => JSON.stringify(inArray ? [value] : { value }, null, pretty ? 2 : 0));
const jsonish = fc.oneof(
  document,
  fc.tuple(document, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([text, mutations]) =>
    mutations.reduce((t, { at, cut, insert }) => {
      const start = at % (t.length + 1);
      return t.slice(0, start) + insert + t.slice(start + cut);
    }, text),
  ),
  fc.string({ unit: "binary", maxLength: 20 }),
);

describe("JSON object check", () => {
  it("agrees with JSON.parse on JSON-like text", () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(isJsonObjectText(bytes(text))).toBe(byJsonParse(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees with JSON.parse on the edges of the grammar", () => {
    const cases = [
      "{}", "[]", " {} ", "\t\r\n[ ]\n", "{\"a\":1}", "[1,2,3]", "[[[[]]]]", "{\"a\":{\"b\":[{}]}}",
      "", " ", "{", "}", "[", "{]", "[}", "{} {}", "{},", "{\"a\"}", "{\"a\":}", "{a:1}", "{'a':1}", "[1,]", "{\"a\":1,}", "[,1]",
      "1", "\"x\"", "true", "null", "[true,false,null]", "[tru]", "[nul]", "[True]", "[NaN]", "[Infinity]",
      "[0]", "[-0]", "[01]", "[-]", "[1.]", "[.5]", "[1.5e10]", "[1E+2]", "[1e-2]", "[1e]", "[1e+]", "[+1]", "[0x10]", "[1.5.5]", "[1e999]",
      "[\"\\u00e9\"]", "[\"\\u00g9\"]", "[\"\\u00\"]", "[\"\\x\"]", "[\"\\/\\b\\f\\n\\r\\t\\\\\\\"\"]", "[\"\u0001\"]", "[\"\t\"]", "[\"\u007f\"]",
      "[\"é注文😀\"]", "\f{}", "[1,\v2]", "\ufeff{}", "{}\u0000", "[\"\ud800\"]", "[\"\u2028\"]", "\u00a0{}",
      "[" + "[".repeat(MAX_JSON_NESTING - 2) + "]".repeat(MAX_JSON_NESTING - 2) + "]",
      sample, sample.slice(0, -1), sample + "}",
    ];
    for (const text of cases) expect([text.slice(0, 40), isJsonObjectText(bytes(text))]).toEqual([text.slice(0, 40), byJsonParse(text)]);
  });

  it("reads invalid UTF-8 inside strings as JSON.parse reads its decoded text", () => {
    const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
    for (const body of [raw('{"a":"', [0xff, 0xc0, 0xa2, 0x80], '"}'), raw('{"a":"', [0xe2, 0x82], '"}'), raw("{", [0xc2, 0xa0], "}"), raw([0xef, 0xbb, 0xbf], "{}")]) {
      expect(isJsonObjectText(body)).toBe(byJsonParse(body.toString("utf8")));
    }
  });

  it("names the problem as JSON.parse does", () => {
    expect(jsonObjectProblem(bytes(sample))).toBeNull();
    expect(jsonObjectProblem(bytes('{"id": 1, "admin_graphql_api_id": '))).toMatch(/^Malformed JSON body: .+/);
    for (const text of ["null", "1", '"text"', "true", "[]", ' [{"id":1}]', "[1,2"]) expect([text, jsonObjectProblem(bytes(text))]).toEqual([text, text === "[1,2" ? expect.stringMatching(/^Malformed JSON body: /) : "Malformed JSON body: body is not a JSON object"]);
    // Valid JSON to JSON.parse once decoded, but not the UTF-8 Shopify signs: lone, overlong and truncated sequences.
    for (const raw of [[0xff], [0xc0, 0xa2], [0xe2, 0x82], [0xed, 0xa0, 0x80]]) {
      expect(jsonObjectProblem(Buffer.concat([Buffer.from('{"a":"'), Buffer.from(raw), Buffer.from('"}')]))).toBe("Malformed JSON body: not valid UTF-8");
    }
    expect(jsonObjectProblem(bytes('{"a":"é注文😀"}'))).toBeNull();
  });

  it("refuses a body nested thousands of levels deep, which JSON.parse accepts but a recursive parser overflows on", () => {
    const deep = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
    expect(byJsonParse(deep(5_000))).toBe(true);
    expect(jsonObjectProblem(bytes(deep(5_000)))).toBe(`Malformed JSON body: nested deeper than ${MAX_JSON_NESTING} levels`);
    expect(jsonObjectProblem(bytes("[".repeat(MAX_JSON_NESTING + 2) + "]".repeat(MAX_JSON_NESTING + 2)))).toMatch(/nested deeper/);
    expect(jsonObjectProblem(bytes(deep(MAX_JSON_NESTING)))).toBeNull();
    // Empty containers at the limit are still within it.
    expect(jsonObjectProblem(bytes('{"a":' + "[".repeat(MAX_JSON_NESTING - 1) + "[]" + "]".repeat(MAX_JSON_NESTING - 1) + "}"))).toBeNull();
  });
});
