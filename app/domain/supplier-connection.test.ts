import { describe, expect, it } from "vitest";
import { checkSupplierDraft, maskSecret } from "./supplier-connection.ts";

const https = { name: "Acme", connector: "https", endpointUrl: "https://acme.example/rfq", email: "", signingSecret: "0123456789abcdef" };
const strict = { keepsSecret: false, allowLoopbackHttp: false };

describe("a supplier's connection as the merchant enters it", () => {
  it("takes an HTTPS endpoint with a secret of 16 characters or more", () => {
    expect(checkSupplierDraft(https, strict)).toEqual({ ok: true, supplier: { name: "Acme", connector: "https", endpointUrl: "https://acme.example/rfq", email: null, signingSecret: "0123456789abcdef" } });
    expect(checkSupplierDraft({ ...https, signingSecret: "0123456789abcde" }, strict)).toEqual({ ok: false, issues: [{ field: "signingSecret", message: "The signing secret must be at least 16 characters." }] });
  });

  it("refuses plain http, except to this machine outside production, and passwords in the address", () => {
    expect(checkSupplierDraft({ ...https, endpointUrl: "http://acme.example/rfq" }, strict)).toMatchObject({ ok: false, issues: [{ field: "endpointUrl", message: expect.stringMatching(/must start with https:\/\//) }] });
    expect(checkSupplierDraft({ ...https, endpointUrl: "http://127.0.0.1:4100/rfq" }, strict).ok).toBe(false);
    expect(checkSupplierDraft({ ...https, endpointUrl: "http://127.0.0.1:4100/rfq" }, { ...strict, allowLoopbackHttp: true }).ok).toBe(true);
    expect(checkSupplierDraft({ ...https, endpointUrl: "http://localhost:4100/rfq" }, { ...strict, allowLoopbackHttp: true }).ok).toBe(false);
    expect(checkSupplierDraft({ ...https, endpointUrl: "https://u:p@acme.example/" }, strict)).toMatchObject({ ok: false, issues: [{ field: "endpointUrl" }] });
    expect(checkSupplierDraft({ ...https, endpointUrl: "acme dot com" }, strict)).toMatchObject({ ok: false, issues: [{ field: "endpointUrl", message: '"acme dot com" is not a web address.' }] });
  });

  it("keeps the stored secret when an edit leaves the field blank; a new supplier needs one", () => {
    expect(checkSupplierDraft({ ...https, signingSecret: "" }, { ...strict, keepsSecret: true })).toMatchObject({ ok: true, supplier: { signingSecret: null } });
    expect(checkSupplierDraft({ ...https, signingSecret: "" }, strict)).toMatchObject({ ok: false, issues: [{ field: "signingSecret" }] });
  });

  it("takes an email address for an email supplier and needs no secret", () => {
    expect(checkSupplierDraft({ ...https, connector: "email", email: " buying@bolt.example ", signingSecret: "" }, strict)).toEqual({ ok: true, supplier: { name: "Acme", connector: "email", endpointUrl: null, email: "buying@bolt.example", signingSecret: null } });
    expect(checkSupplierDraft({ ...https, connector: "email", email: "bolt.example" }, strict)).toEqual({ ok: false, issues: [{ field: "email", message: '"bolt.example" is not an email address.' }] });
  });

  it("lists every field at fault at once", () => {
    const result = checkSupplierDraft({ name: " ", connector: "https", endpointUrl: "", email: "", signingSecret: "" }, strict);
    expect(!result.ok && result.issues.map((i) => i.field)).toEqual(["name", "endpointUrl", "signingSecret"]);
    expect(checkSupplierDraft({ ...https, connector: "fax" }, strict)).toMatchObject({ ok: false, issues: [{ field: "connector" }] });
  });

  it("shows a secret by its last four characters only", () => {
    expect(maskSecret("0123456789abcdef")).toBe("••••cdef");
  });
});
