// Fires one Shopify Flow trigger declared by a flow_trigger extension (extensions/flow-*): the
// trigger's handle and a payload of its declared field keys, plus the reference field as Shopify
// names it (customer_reference → customer_id, order_reference → order_id, numeric ids).
import type { FlowEvent } from "../../../domain/flow-trigger-events.ts";
import type { AdminOperation, AdminRunner } from "../admin-operation-runner.ts";
import { throwOnUserErrors, type UserError } from "./user-errors.ts";

export const FLOW_TRIGGER_RECEIVE_MUTATION = `#graphql
  mutation FlowTriggerReceive($handle: String!, $payload: JSON!) {
    flowTriggerReceive(handle: $handle, payload: $payload) {
      userErrors {
        field
        message
      }
    }
  }
`;

export type FlowTriggerPayload = Record<string, string | number | boolean>;
export type FlowTriggerReceiveVariables = { handle: string; payload: FlowTriggerPayload };
export type FlowTriggerReceiveData = { flowTriggerReceive: { userErrors: UserError[] } | null };

export const flowTriggerReceiveOperation: AdminOperation<FlowTriggerReceiveData, FlowTriggerReceiveVariables> = {
  name: "FlowTriggerReceive",
  query: FLOW_TRIGGER_RECEIVE_MUTATION,
  cost: () => 10,
};

const REFERENCE_KEY = { customer: "customer_id", order: "order_id" } as const;

/** The payload Flow expects: the event's fields and its resource's numeric id under the reference key. */
export function flowTriggerPayload(event: FlowEvent): FlowTriggerPayload {
  const id = /\/(\d+)$/.exec(event.subject.id)?.[1];
  if (!id) throw new Error(`Not a Shopify id: ${event.subject.id}`);
  return { [REFERENCE_KEY[event.subject.kind]]: Number(id), ...event.fields };
}

export async function fireFlowTrigger(runner: AdminRunner, handle: string, payload: FlowTriggerPayload): Promise<void> {
  const data = await runner.run(flowTriggerReceiveOperation, { handle, payload });
  throwOnUserErrors("flowTriggerReceive", data.flowTriggerReceive);
}
