// Bulk mutations as Shopify runs them: `stagedUploadsCreate` (resource BULK_MUTATION_VARIABLES)
// names a target the app POSTs its JSONL of variables to (multipart form, the target's parameters
// then `file`); `bulkOperationRunMutation(mutation, stagedUploadPath)` runs the one mutation once per
// line, asynchronously, and writes one result line per input line (`data` or `errors`, with
// `__lineNumber`, from 0). One bulk mutation at a time per shop. The lines' writes go through the
// same resolvers as direct calls (scopes and userErrors included) and are recorded at cost 0:
// a bulk operation's work does not spend the shop's rate-limit bucket, only the two calls do.
import { createWriteStream, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { execute, Kind, parse, validate, type DocumentNode, type FieldNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { SimStore } from "../store/store.ts";
import type { SimBulkOperation } from "../store/types.ts";
import { simFieldResolver, simTypeResolver, type AdminContext } from "./resolvers.ts";

export interface BulkMutationUserError {
  field: string[] | null;
  message: string;
  code: "INVALID_MUTATION" | "INVALID_STAGED_UPLOAD_FILE" | "NO_SUCH_FILE" | "OPERATION_IN_PROGRESS";
}

export interface StagedTarget {
  url: string;
  resourceUrl: string | null;
  parameters: { name: string; value: string }[];
}

export class BulkMutationRunner {
  /** Staged upload keys issued, by key: the shop it was issued to and the uploaded file (once posted). */
  private readonly staged = new Map<string, { domain: string; path: string | null }>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly files = new Map<string, string>();

  constructor(
    private readonly store: SimStore,
    private readonly schema: GraphQLSchema,
    private readonly origin: () => string,
    private readonly dir: string,
  ) {}

  /** A staged upload target for a JSONL of bulk mutation variables. */
  stage(domain: string, filename: string, mimeType: string): StagedTarget {
    const key = `tmp/${domain}/bulk/${randomUUID()}/${filename}`;
    this.staged.set(key, { domain, path: null });
    return {
      url: `${this.origin()}/_sim/staged-uploads`,
      resourceUrl: null,
      parameters: [
        { name: "Content-Type", value: mimeType },
        { name: "success_action_status", value: "201" },
        { name: "acl", value: "private" },
        { name: "key", value: key },
      ],
    };
  }

  /** The upload's POST: false when the key was never issued. */
  receive(key: string, content: string): boolean {
    const entry = this.staged.get(key);
    if (!entry) return false;
    const path = join(this.dir, `tierline-sim-staged-${randomUUID()}.jsonl`);
    writeFileSync(path, content);
    entry.path = path;
    return true;
  }

  start(ctx: AdminContext, mutation: string, stagedUploadPath: string): { bulkOperation: SimBulkOperation | null; userErrors: BulkMutationUserError[] } {
    const domain = ctx.data.shop.domain;
    const refuse = (code: BulkMutationUserError["code"], message: string, field: string[] | null = null) => ({ bulkOperation: null, userErrors: [{ field, message, code }] });
    const active = [...ctx.data.bulkOperations.values()].find((o) => o.type === "MUTATION" && (o.status === "CREATED" || o.status === "RUNNING"));
    if (active) return refuse("OPERATION_IN_PROGRESS", `A bulk mutation operation for this app and shop is already in progress: ${active.gid}.`);
    const checked = this.check(mutation);
    if ("error" in checked) return refuse("INVALID_MUTATION", checked.error, ["mutation"]);
    const upload = this.staged.get(stagedUploadPath);
    if (!upload || upload.domain !== domain || !upload.path) return refuse("NO_SUCH_FILE", "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.", ["stagedUploadPath"]);
    const lines = readFileSync(upload.path, "utf8").split("\n").filter((line) => line.trim() !== "");
    const variables: Record<string, unknown>[] = [];
    for (const line of lines) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = null;
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) return refuse("INVALID_STAGED_UPLOAD_FILE", "The JSONL file submitted via the stagedUploadsCreate mutation is invalid. Update the file and try again.", ["stagedUploadPath"]);
      variables.push(value as Record<string, unknown>);
    }
    const id = this.store.ids.next("BulkOperation");
    const op: SimBulkOperation = {
      id, gid: `gid://shopify/BulkOperation/${id}`, shopDomain: domain, type: "MUTATION", status: "CREATED", errorCode: null, query: mutation,
      objectCount: "0", rootObjectCount: "0", fileSize: null, filePath: null, url: null, partialDataUrl: null,
      createdAt: this.store.now().toISOString(), completedAt: null,
    };
    ctx.data.bulkOperations.set(id, op);
    const done = new Promise<void>((resolve) => setImmediate(() => this.run(op, checked.document, variables, ctx.apiVersion).finally(resolve)));
    this.running.set(op.id, done);
    return { bulkOperation: op, userErrors: [] };
  }

  /** Resolves when the shop's running bulk mutations have finished. For tests. */
  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }

  filePath(opId: string): string | null {
    return this.files.get(opId) ?? null;
  }

  removeFiles(): void {
    for (const path of this.files.values()) rmSync(path, { force: true });
    for (const entry of this.staged.values()) if (entry.path) rmSync(entry.path, { force: true });
    this.files.clear();
    this.staged.clear();
  }

  private check(mutation: string): { document: DocumentNode } | { error: string } {
    let document: DocumentNode;
    try {
      document = parse(mutation);
    } catch (e) {
      return { error: `Invalid mutation: ${(e as Error).message}` };
    }
    const errors = validate(this.schema, document);
    if (errors.length) return { error: `Invalid mutation: ${errors[0].message}` };
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.length !== 1 || ops[0].operation !== "mutation") return { error: "Invalid mutation: a bulk mutation must contain exactly one mutation operation." };
    const fields = ops[0].selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
    if (fields.length !== 1 || ops[0].selectionSet.selections.length !== 1) return { error: "Invalid mutation: a bulk mutation must have exactly one top-level field." };
    if (fields[0].name.value.startsWith("bulkOperation") || fields[0].name.value === "stagedUploadsCreate") return { error: `Invalid mutation: ${fields[0].name.value} cannot run in bulk.` };
    return { document };
  }

  private async run(op: SimBulkOperation, document: DocumentNode, lines: Record<string, unknown>[], apiVersion: string): Promise<void> {
    const data = this.store.shop(op.shopDomain);
    const path = join(this.dir, `tierline-sim-bulk-${op.id}.jsonl`);
    this.files.set(op.id, path);
    op.filePath = path;
    op.status = "RUNNING";
    const out = createWriteStream(path);
    let bytes = 0;
    for (const [lineNumber, variableValues] of lines.entries()) {
      const ctx: AdminContext = { store: this.store, data, domain: op.shopDomain, bulk: false, apiVersion, bulkRunner: undefined as never, pending: [] };
      const result = await execute({ schema: this.schema, document, variableValues, contextValue: ctx, fieldResolver: simFieldResolver, typeResolver: simTypeResolver });
      const at = this.store.now().toISOString();
      for (const m of ctx.pending) this.store.recordMutation({ ...m, shop: data.shop.domain, at, cost: 0 });
      const line = result.errors?.length ? { errors: result.errors.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions })), __lineNumber: lineNumber } : { data: result.data, __lineNumber: lineNumber };
      const text = `${JSON.stringify(line)}\n`;
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, "drain");
      await new Promise((r) => setImmediate(r)); // let the server answer other requests
    }
    out.end();
    await once(out, "finish");
    op.objectCount = String(lines.length);
    op.rootObjectCount = String(lines.length);
    op.fileSize = String(bytes);
    op.completedAt = this.store.now().toISOString();
    op.status = "COMPLETED";
    op.url = `${this.origin()}/_sim/bulk/${op.id}.jsonl`;
    this.running.delete(op.id);
    this.store.emitBulkFinished(op.shopDomain, op);
  }
}
