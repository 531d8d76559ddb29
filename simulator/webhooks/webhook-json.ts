// JSON text for webhook bodies.
//
// Shopify sends 64-bit ids as bare JSON numbers with every digit
// ("id": 820982911946154508). JavaScript numbers cannot hold them, so payload
// objects carry ids as `RawNumber` and `toWebhookJson` writes their digits
// verbatim. A receiver that calls JSON.parse then rounds them exactly as it
// would with real Shopify deliveries.

export class RawNumber {
  constructor(readonly digits: string) {
    if (!/^-?\d+$/.test(digits)) throw new Error(`not an integer: ${digits}`);
  }
  toJSON(): string {
    return `${MARK}${this.digits}${MARK}`;
  }
}

// A NUL character never survives JSON.stringify unescaped, so the marked
// strings cannot collide with real text (which would serialize as \u0000
// followed by other characters than digits and the closing mark).
const MARK = "\u0000";
const MARKED = /"\\u0000(-?\d+)\\u0000"/g;

/** An id for a payload: digits as a bare JSON number, or null. */
export function rawId(id: string | number | null | undefined): RawNumber | null {
  if (id === null || id === undefined || id === "") return null;
  return new RawNumber(String(id));
}

export function toWebhookJson(payload: unknown): string {
  return JSON.stringify(payload).replace(MARKED, "$1");
}
