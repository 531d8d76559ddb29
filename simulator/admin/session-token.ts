// Session tokens as Shopify issues them: HS256 JWTs signed with the app's
// client secret. The admin hands one to the embedded app (App Bridge's
// `shopify.idToken()`, the `id_token` query parameter); checkout UI extensions
// get one from `shopify.sessionToken.get()`.

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export interface SessionTokenClaims {
  iss?: string;
  dest: string;
  aud: string;
  sub?: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid?: string;
  sig?: string;
}

export interface MintSessionTokenInput {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** Admin: the staff user's numeric id (sub). Default "1", the shop owner. */
  userId?: string;
  /** Checkout: the signed-in buyer's GID (sub); omitted for guests. */
  customerGid?: string;
  /** Overrides the default dest (admin: https://{shop}; checkout: {shop}). */
  dest?: string;
  /** "admin" (60 s, the default) or "checkout" (5 min). */
  flavour?: "admin" | "checkout";
  /** Seconds since the epoch; default now. */
  now?: number;
  ttlSeconds?: number;
  /** Admin: the session id; default stable per shop, user and app, as Shopify's is. */
  sid?: string;
}

/** Shopify's `sid` is "a unique session ID per user and app": the same across a user's tokens. */
export function adminSessionId(shop: string, userId: string, apiKey: string, apiSecret: string): string {
  return createHmac("sha256", apiSecret).update(`sid|${shop}|${userId}|${apiKey}`).digest("hex");
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

export function signJwt(payload: object, secret: string): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

export function mintSessionToken(input: MintSessionTokenInput): string {
  const now = Math.floor(input.now ?? Date.now() / 1000);
  const flavour = input.flavour ?? (input.customerGid !== undefined ? "checkout" : "admin");
  if (flavour === "checkout") {
    const claims: SessionTokenClaims = {
      dest: input.dest ?? input.shop,
      aud: input.apiKey,
      exp: now + (input.ttlSeconds ?? 300),
      nbf: now,
      iat: now,
      jti: randomUUID(),
      ...(input.customerGid ? { sub: input.customerGid } : {}),
    };
    return signJwt(claims, input.apiSecret);
  }
  const userId = input.userId ?? "1";
  const claims: SessionTokenClaims = {
    iss: `https://${input.shop}/admin`,
    dest: input.dest ?? `https://${input.shop}`,
    aud: input.apiKey,
    sub: userId,
    exp: now + (input.ttlSeconds ?? 60),
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: input.sid ?? adminSessionId(input.shop, userId, input.apiKey, input.apiSecret),
    // Shopify's docs list a 64-hex "sig" claim; nothing verifies it, but apps may log or store it.
    sig: randomBytes(32).toString("hex"),
  };
  return signJwt(claims, input.apiSecret);
}

export class SessionTokenError extends Error {}

/** Verifies signature, algorithm and time claims (with Shopify's library's 10 s tolerance). */
export function verifySessionToken(token: string, secret: string, { now = Date.now() / 1000, toleranceS = 10 } = {}): SessionTokenClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new SessionTokenError("not a JWT");
  const [head, body, sig] = parts;
  let header: { alg?: string };
  let claims: SessionTokenClaims;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    throw new SessionTokenError("malformed JWT");
  }
  if (header.alg !== "HS256") throw new SessionTokenError(`unexpected alg ${header.alg}`);
  const expected = createHmac("sha256", secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SessionTokenError("signature verification failed");
  if (typeof claims.exp !== "number" || claims.exp < now - toleranceS) throw new SessionTokenError("token expired");
  if (typeof claims.nbf === "number" && claims.nbf > now + toleranceS) throw new SessionTokenError("token not yet valid");
  return claims;
}
