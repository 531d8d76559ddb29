// Whom a webhook payload is about: the customer and order GIDs it names, read
// leniently (a payload the topic's mapping would refuse still names its subjects,
// so an erased customer's malformed delivery is recognised too).
import { gid, idString } from "./lossless-json.ts";

export interface WebhookSubjects {
  customerGids: string[];
  orderGids: string[];
}

type Loose = Record<string, unknown> | null | undefined;

const asObject = (value: unknown): Loose => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null);

function gidOf(type: string, object: Loose): string | null {
  if (!object) return null;
  const graphqlId = object.admin_graphql_api_id;
  if (typeof graphqlId === "string" && graphqlId.startsWith(`gid://shopify/${type}/`)) return graphqlId;
  const id = idString(object.id);
  return id ? gid(type, id) : null;
}

function idList(type: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map(idString).filter((id): id is string => id !== null).map((id) => gid(type, id));
}

const present = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];

export function webhookSubjects(topic: string, payload: unknown): WebhookSubjects {
  const body = asObject(payload);
  if (!body) return { customerGids: [], orderGids: [] };
  if (topic.startsWith("orders/")) {
    return { customerGids: present([gidOf("Customer", asObject(body.customer))]), orderGids: present([gidOf("Order", body)]) };
  }
  if (topic === "refunds/create" || topic.startsWith("fulfillments/")) {
    const orderId = idString(body.order_id);
    return { customerGids: [], orderGids: orderId ? [gid("Order", orderId)] : [] };
  }
  if (topic === "customers/create" || topic === "customers/update" || topic === "customers/delete") {
    return { customerGids: present([gidOf("Customer", body)]), orderGids: [] };
  }
  if (topic === "customer.tags_added" || topic === "customer.tags_removed") {
    const customerId = typeof body.customerId === "string" && body.customerId.startsWith("gid://shopify/Customer/") ? body.customerId : null;
    return { customerGids: present([customerId]), orderGids: [] };
  }
  if (topic === "customers/data_request" || topic === "customers/redact") {
    const customer = asObject(body.customer);
    const customerId = customer ? idString(customer.id) : null;
    return {
      customerGids: customerId ? [gid("Customer", customerId)] : [],
      orderGids: [...new Set([...idList("Order", body.orders_to_redact), ...idList("Order", body.orders_requested)])],
    };
  }
  return { customerGids: [], orderGids: [] };
}

/** The numeric part of a GID (what REST payloads carry as `id`). */
export function numericIdOf(gidValue: string): string | null {
  const match = /\/(\d+)$/.exec(gidValue);
  return match ? match[1] : null;
}
