// Is a webhook body a JSON object? Shopify only sends objects; anything else under
// a valid signature is answered 400 and never stored or queued.
//
// JSON.parse answers that by building the whole object graph: about 30 µs and a
// few hundred objects of garbage for an 8 KB order, a fifth of the intake's CPU
// per request. The intake only needs the yes/no, so the common case is a scan of
// the bytes against JSON's grammar (RFC 8259, as JSON.parse reads it) allocating
// nothing; a body it refuses is handed to JSON.parse, which has the last word and
// the error message. json-payload.test.ts holds the scan to JSON.parse.

import { isUtf8 } from "node:buffer";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= ZERO && c <= NINE;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
// After a backslash: " \ / b f n r t (u is handled apart).
const isSimpleEscape = (c: number) => c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;

function skipWhitespace(b: Uint8Array, i: number): number {
  while (i < b.length && isWhitespace(b[i])) i++;
  return i;
}

/** b[i] is the opening quote; the index after the closing quote, or -1. Bytes ≥ 0x80 are text (decoded, any of them is allowed in a string). */
function skipString(b: Uint8Array, i: number): number {
  i++;
  while (i < b.length) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (isSimpleEscape(e)) i += 2;
      else if (e === 0x75 && isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5])) i += 6;
      else return -1;
    } else if (c < 0x20) return -1;
    else i++;
  }
  return -1;
}

function skipDigits(b: Uint8Array, i: number): number {
  while (i < b.length && isDigit(b[i])) i++;
  return i;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at i; the index after it, or -1. */
function skipNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i])) i = skipDigits(b, i + 1);
  else return -1;
  if (b[i] === DOT) {
    if (!isDigit(b[i + 1])) return -1;
    i = skipDigits(b, i + 1);
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i])) return -1;
    i = skipDigits(b, i);
  }
  return i;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function skipLiteral(b: Uint8Array, i: number, word: number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** A member's `"key" :` at i (after whitespace); the index of its value, or -1. */
function skipKey(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return -1;
  i = skipWhitespace(b, skipString(b, i));
  if (b[i] !== COLON) return -1;
  return skipWhitespace(b, i + 1);
}

/**
 * How deep objects and arrays may nest. Shopify's payloads nest under ten levels;
 * a body nested thousands deep is no webhook, and would overflow a recursive
 * parser further on (the worker's), so the intake refuses it with a 400.
 */
export const MAX_JSON_NESTING = 128;

const TOO_DEEP = -1;

/**
 * Whether the bytes are one JSON object (or array, which JSON.parse also makes an
 * object of), with nothing but whitespace around it, nested at most MAX_JSON_NESTING
 * deep. Iterative, so the scan itself never overflows the call stack.
 */
export function isJsonObjectText(b: Uint8Array): boolean {
  return scanJsonObject(b) === 1;
}

/**
 * 1: a JSON object or array; 0: not one; TOO_DEEP: nested deeper than allowed. With topLevelKeys,
 * the offset of each top-level member's key is pushed on it (the shape check reads members from
 * there instead of walking the body a second time).
 */
function scanJsonObject(b: Uint8Array, topLevelKeys?: number[]): number {
  let i = skipWhitespace(b, 0);
  if (b[i] !== OPEN_OBJECT && b[i] !== OPEN_ARRAY) return 0;
  // The open containers, innermost last: true for an object, false for an array.
  const open: boolean[] = [];
  for (;;) {
    // A value starts at i.
    const c = b[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const isObject = c === OPEN_OBJECT;
      i = skipWhitespace(b, i + 1);
      if (b[i] === (isObject ? CLOSE_OBJECT : CLOSE_ARRAY)) i++;
      else {
        if (open.length >= MAX_JSON_NESTING) return TOO_DEEP;
        open.push(isObject);
        if (topLevelKeys && isObject && open.length === 1) topLevelKeys.push(i);
        if (isObject && (i = skipKey(b, i)) < 0) return 0;
        continue;
      }
    } else if (c === QUOTE) i = skipString(b, i);
    else if (c === MINUS || isDigit(c)) i = skipNumber(b, i);
    else if (c === 0x74) i = skipLiteral(b, i, TRUE);
    else if (c === 0x66) i = skipLiteral(b, i, FALSE);
    else if (c === 0x6e) i = skipLiteral(b, i, NULL);
    else return 0;
    if (i < 0) return 0;
    // A value ended at i: close containers until one continues, or the text ends.
    for (;;) {
      i = skipWhitespace(b, i);
      if (open.length === 0) return i === b.length ? 1 : 0;
      const inObject = open[open.length - 1];
      if (b[i] === COMMA) {
        i = skipWhitespace(b, i + 1);
        if (topLevelKeys && inObject && open.length === 1) topLevelKeys.push(i);
        if (inObject && (i = skipKey(b, i)) < 0) return 0;
        break;
      }
      if (b[i] !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return 0;
      open.pop();
      i++;
    }
  }
}

const NOT_AN_OBJECT = "Malformed JSON body: body is not a JSON object";

/**
 * null for a JSON object in valid UTF-8; otherwise why not, in JSON.parse's words. JSON text is
 * UTF-8 (RFC 8259) and Shopify sends nothing else: other bytes would be stored as replacement
 * characters, no longer the bytes that were signed. A top-level array is no webhook either.
 * When it answers null and topLevelKeys was given, that holds the offset of every top-level key
 * (left empty when JSON.parse had to decide).
 */
export function jsonObjectProblem(body: Uint8Array, topLevelKeys?: number[]): string | null {
  if (!isUtf8(body)) return "Malformed JSON body: not valid UTF-8";
  const scanned = scanJsonObject(body, topLevelKeys);
  if (scanned !== 1 && topLevelKeys) topLevelKeys.length = 0;
  if (scanned === 1) return body[skipWhitespace(body, 0)] === OPEN_OBJECT ? null : NOT_AN_OBJECT;
  if (scanned === TOO_DEEP) return `Malformed JSON body: nested deeper than ${MAX_JSON_NESTING} levels`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch (error) {
    return `Malformed JSON body: ${(error as Error).message}`;
  }
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? null : NOT_AN_OBJECT;
}
