// Mutation payloads report refused input as userErrors; the same input is refused
// again on retry, so they are terminal.
import { ShopifyTerminalError } from "../shopify-errors.ts";

export interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

export function throwOnUserErrors(operation: string, payload: { userErrors: UserError[] } | null | undefined): void {
  if (!payload) throw new ShopifyTerminalError("bad_response", `${operation} returned no payload`);
  if (payload.userErrors.length) {
    const details = payload.userErrors.map((e) => `${(e.field ?? []).join(".") || "(input)"}: ${e.message}`).join("; ");
    throw new ShopifyTerminalError("user_errors", `${operation} refused: ${details}`);
  }
}
