/**
 * A supplier as the merchant enters it on the Suppliers page: a name and how Tierline reaches it,
 * an HTTPS JSON endpoint with a signing secret, or an email address (the reply is typed in by the
 * merchant). Checked field by field, in the merchant's words.
 *
 * Exported API
 * - type SupplierDraft, type SupplierConnection, type FieldIssue
 * - MIN_SECRET_LENGTH = 16
 * - checkSupplierDraft(draft, { keepsSecret, allowLoopbackHttp }): { ok: true; supplier } | { ok: false; issues }
 *     keepsSecret: an edit whose secret field is left blank keeps the stored one
 * - maskSecret(secret): string               "••••6789": the page never shows a secret whole
 */

export const MIN_SECRET_LENGTH = 16;

export type SupplierDraft = { name: string; connector: string; endpointUrl: string; email: string; signingSecret: string };

/** signingSecret null: keep the stored one. */
export type SupplierConnection =
  | { name: string; connector: "https"; endpointUrl: string; email: null; signingSecret: string | null }
  | { name: string; connector: "email"; endpointUrl: null; email: string; signingSecret: null };

export type FieldIssue = { field: keyof SupplierDraft; message: string };

// Deliberately plain: one @, no spaces, a dot in the domain. The SMTP server has the last word.
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export function checkSupplierDraft(
  draft: SupplierDraft,
  options: { keepsSecret: boolean; allowLoopbackHttp: boolean },
): { ok: true; supplier: SupplierConnection } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const name = draft.name.trim();
  if (!name) issues.push({ field: "name", message: "Enter the supplier's name." });
  else if (name.length > 120) issues.push({ field: "name", message: "Keep the name under 120 characters." });

  if (draft.connector === "email") {
    const email = draft.email.trim();
    if (!email) issues.push({ field: "email", message: "Enter the address requests for quotation go to." });
    else if (!EMAIL.test(email) || email.length > 254) issues.push({ field: "email", message: `"${email}" is not an email address.` });
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, supplier: { name, connector: "email", endpointUrl: null, email, signingSecret: null } };
  }
  if (draft.connector !== "https") return { ok: false, issues: [...issues, { field: "connector", message: "Choose how Tierline reaches this supplier: HTTPS or email." }] };

  const endpoint = draft.endpointUrl.trim();
  let url: URL | null = null;
  try {
    url = endpoint ? new URL(endpoint) : null;
  } catch {
    url = null;
  }
  if (!endpoint) issues.push({ field: "endpointUrl", message: "Enter the supplier's HTTPS address for requests for quotation." });
  else if (!url || !["https:", "http:"].includes(url.protocol)) issues.push({ field: "endpointUrl", message: `"${endpoint}" is not a web address.` });
  else if (url.protocol === "http:" && !(options.allowLoopbackHttp && isLoopbackHost(url.hostname))) issues.push({ field: "endpointUrl", message: "The address must start with https:// so requests and prices travel encrypted." });
  else if (url.username || url.password) issues.push({ field: "endpointUrl", message: "Leave passwords out of the address; the signing secret authenticates Tierline." });

  const secret = draft.signingSecret;
  const keep = secret === "" && options.keepsSecret;
  if (!keep) {
    if (secret === "") issues.push({ field: "signingSecret", message: "Enter the signing secret you agreed with the supplier." });
    else if (secret.length < MIN_SECRET_LENGTH) issues.push({ field: "signingSecret", message: `The signing secret must be at least ${MIN_SECRET_LENGTH} characters.` });
    else if (secret.trim() !== secret) issues.push({ field: "signingSecret", message: "The signing secret must not start or end with a space." });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, supplier: { name, connector: "https", endpointUrl: url!.toString(), email: null, signingSecret: keep ? null : secret } };
}

function isLoopbackHost(host: string): boolean {
  return host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function maskSecret(secret: string): string {
  return `••••${secret.slice(-4)}`;
}
