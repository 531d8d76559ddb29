// Replenishment: requests waiting for quotes (each supplier's answer as it arrives; an email
// supplier's reply typed in here), the approval queue (why a person must decide, the quotes side
// by side: approve the proposal, pick other quotes, or cancel), and recent awards with their
// purchase orders.
import { useEffect, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Badge, Banner, BlockStack, Box, Button, Card, Checkbox, DataTable, Divider, EmptyState, FormLayout, InlineStack, Layout, List, Page, SkeletonBodyText, Text, TextField } from "@shopify/polaris";
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { adminGraphqlClientFromShopify } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { readLocationNames } from "../adapters/shopify/admin-operations/location-names.ts";
import { wakeAsk } from "../adapters/queues/replenishment-job-ids.server.ts";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { shopLocaleFor } from "../use-cases/promises-admin.server.ts";
import { loadReplenishmentPage, submitReplenishmentAction, type ReplenishmentActionResult, type RequestView, type RfqView } from "../use-cases/replenishment-admin.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  return json(
    await loadReplenishmentPage({
      db,
      shop: session.shop,
      locale: await shopLocaleFor(db, session.shop, request),
      now: new Date(),
      locationNames: () => readLocationNames(createAdminRunner(adminGraphqlClientFromShopify(session.shop, admin))),
    }),
  );
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const result = await submitReplenishmentAction({
    db,
    shop: session.shop,
    form: await request.formData(),
    locale: await shopLocaleFor(db, session.shop, request),
    now: new Date(),
    // An approval records the purchase order's incoming stock in Shopify as the merchant.
    admin: async () => createAdminRunner(adminGraphqlClientFromShopify(session.shop, admin)),
    wake: (rfqId) => wakeAsk(jobQueues(), rfqId),
  });
  return json<ReplenishmentActionResult>(result, { status: result.ok ? 200 : 422 });
};

// A clipboard with a clock: drawn here so the empty state needs no image host.
const EMPTY_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><rect x="26" y="18" width="58" height="80" rx="6" fill="#e3e3e3"/><rect x="42" y="12" width="26" height="12" rx="3" fill="#b5b5b5"/><path d="M38 44h34M38 58h34M38 72h20" stroke="#b5b5b5" stroke-width="4"/><circle cx="84" cy="82" r="18" fill="#fff" stroke="#8a8a8a" stroke-width="4"/><path d="M84 72v11l7 5" stroke="#303030" stroke-width="4" fill="none" stroke-linecap="round"/></svg>')}`;

const STATUS: Record<RequestView["status"], { label: string; tone?: "info" | "attention" | "success" | "critical" }> = {
  open: { label: "Asking suppliers", tone: "info" },
  escalated: { label: "Needs your decision", tone: "attention" },
  awarded: { label: "Ordered", tone: "success" },
  cancelled: { label: "Cancelled" },
};

function RequestHeading({ request }: { request: RequestView }) {
  return (
    <InlineStack align="space-between" blockAlign="center" gap="200" wrap>
      <InlineStack gap="200" blockAlign="center" wrap>
        <Text as="h3" variant="headingSm">{`${request.quantity} × ${request.sku}`}</Text>
        {request.priorityTier && <Badge tone="magic">{`${request.priorityTier[0].toUpperCase()}${request.priorityTier.slice(1)} orders waiting`}</Badge>}
        <Text as="span" tone="subdued">{request.location}</Text>
      </InlineStack>
      <Badge tone={STATUS[request.status].tone}>{STATUS[request.status].label}</Badge>
    </InlineStack>
  );
}

function QuotesTable({ request, pick }: { request: RequestView; pick?: { chosen: string[]; toggle: (id: string) => void } }) {
  if (request.quotes.length === 0) return <Text as="p" tone="subdued">No quotes yet.</Text>;
  return (
    <DataTable
      columnContentTypes={["text", "numeric", "numeric", "numeric", "text", "text"]}
      headings={["Supplier", "Unit price", "Quantity", "Lead time", "Valid until", "Score"]}
      rows={request.quotes.map((q) => [
        pick ? (
          <Checkbox key={q.id} label={q.supplierName} checked={pick.chosen.includes(q.id)} onChange={() => pick.toggle(q.id)} disabled={q.expired} />
        ) : (
          q.supplierName
        ),
        q.unitPrice,
        q.quantity,
        `${q.leadBusinessDays} business days`,
        q.expired ? `Expired ${q.validUntil}` : q.validUntil,
        q.outReason ? `Out: ${q.outReason}` : q.score === null ? "—" : `${q.score}${q.proposed ? " · proposed" : ""}`,
      ])}
    />
  );
}

function ReplyForm({ rfq }: { rfq: RfqView }) {
  const fetcher = useFetcher<ReplenishmentActionResult>();
  const [reply, setReply] = useState({ unitPrice: "", quantity: "", leadBusinessDays: "", validUntil: "" });
  const [open, setOpen] = useState(false);
  const busy = fetcher.state !== "idle";
  const result = fetcher.data;
  const issueOf = (field: string) => (result && !result.ok ? result.issues?.find((i) => i.field === field)?.message : undefined);
  const shopify = useAppBridge();
  useEffect(() => {
    if (fetcher.data?.ok) shopify.toast.show(fetcher.data.message);
  }, [fetcher.data]);
  // Once recorded the RFQ is answered and the form goes; the confirmation stays.
  if (result?.ok && !busy) return <Text as="p" tone="success">{result.message}</Text>;
  if (!rfq.canEnterReply) return null;
  if (!open)
    return (
      <InlineStack>
        <Button size="slim" onClick={() => setOpen(true)}>{`Enter ${rfq.supplierName}'s reply`}</Button>
      </InlineStack>
    );
  return (
    <Box padding="300" background="bg-surface-secondary" borderRadius="200">
      <BlockStack gap="300">
        <Text as="h4" variant="headingSm">{`${rfq.supplierName}'s reply (reference ${rfq.id})`}</Text>
        <FormLayout>
          <FormLayout.Group condensed>
            <TextField label="Unit price" autoComplete="off" inputMode="decimal" value={reply.unitPrice} onChange={(unitPrice) => setReply({ ...reply, unitPrice })} error={issueOf("unitPrice")} />
            <TextField label="Quantity" autoComplete="off" inputMode="numeric" value={reply.quantity} onChange={(quantity) => setReply({ ...reply, quantity })} error={issueOf("quantity")} />
          </FormLayout.Group>
          <FormLayout.Group condensed>
            <TextField label="Lead time (business days)" autoComplete="off" inputMode="numeric" value={reply.leadBusinessDays} onChange={(leadBusinessDays) => setReply({ ...reply, leadBusinessDays })} error={issueOf("leadBusinessDays")} />
            <TextField label="Valid until" type="date" autoComplete="off" value={reply.validUntil} onChange={(validUntil) => setReply({ ...reply, validUntil })} error={issueOf("validUntil")} />
          </FormLayout.Group>
        </FormLayout>
        {result && !busy && <Text as="p" tone={result.ok ? "success" : "critical"}>{result.message}</Text>}
        <InlineStack gap="200" align="end">
          <Button onClick={() => setOpen(false)} disabled={busy}>Close</Button>
          <Button variant="primary" loading={busy} onClick={() => fetcher.submit({ intent: "enter-reply", rfqId: rfq.id, ...reply }, { method: "post" })}>Record reply</Button>
        </InlineStack>
      </BlockStack>
    </Box>
  );
}

function OpenRequest({ request }: { request: RequestView }) {
  return (
    <BlockStack gap="300">
      <RequestHeading request={request} />
      <Text as="p" tone="subdued">{`Asked ${request.requestedAt} · needed within ${request.neededWithinBusinessDays} business days · decided by ${request.deadline} at the latest`}</Text>
      <InlineStack gap="200" wrap>
        {request.rfqs.map((rfq) => (
          <Badge key={rfq.id} tone={rfq.status === "answered" ? "success" : rfq.status === "failed" || rfq.status === "no_answer" ? "critical" : undefined}>{`${rfq.supplierName}: ${rfq.statusLabel}${rfq.connector === "email" ? " (email)" : ""}`}</Badge>
        ))}
      </InlineStack>
      {request.rfqs.filter((r) => r.note && r.status !== "answered").map((r) => (
        <Text key={r.id} as="p" tone="caution">{`${r.supplierName}: ${r.note}`}</Text>
      ))}
      <QuotesTable request={request} />
      {request.rfqs.filter((r) => r.connector === "email").map((rfq) => (
        <ReplyForm key={rfq.id} rfq={rfq} />
      ))}
    </BlockStack>
  );
}

function Approval({ request }: { request: RequestView }) {
  const fetcher = useFetcher<ReplenishmentActionResult>();
  const proposed = request.quotes.filter((q) => q.proposed).map((q) => q.id);
  const [chosen, setChosen] = useState<string[]>(proposed);
  const [note, setNote] = useState("");
  const busy = fetcher.state !== "idle";
  const result = fetcher.data;
  const shopify = useAppBridge();
  // A decided request leaves this queue when the page reloads its data: the answer goes in a toast.
  useEffect(() => {
    if (fetcher.data?.ok) shopify.toast.show(fetcher.data.message);
  }, [fetcher.data]);
  const toggle = (id: string) => setChosen(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const submit = (intent: "approve" | "cancel") => {
    const form = new FormData();
    form.set("intent", intent);
    form.set("requestId", request.id);
    if (intent === "approve") for (const id of chosen) form.append("quoteId", id);
    else form.set("note", note);
    fetcher.submit(form, { method: "post" });
  };
  const isProposal = proposed.length > 0 && chosen.length === proposed.length && chosen.every((c) => proposed.includes(c));
  return (
    <BlockStack gap="300">
      <RequestHeading request={request} />
      {request.reason && <Banner tone="warning">{request.reason}</Banner>}
      <QuotesTable request={request} pick={{ chosen, toggle }} />
      {request.proposedTotal && <Text as="p">{`Proposed: ${request.proposedTotal} in total.`}</Text>}
      <TextField label="Note if you cancel (optional)" autoComplete="off" value={note} onChange={setNote} />
      {result && !busy && <Text as="p" tone={result.ok ? "success" : "critical"}>{result.message}</Text>}
      <InlineStack gap="200" align="end" wrap>
        <Button tone="critical" loading={busy && fetcher.formData?.get("intent") === "cancel"} disabled={busy} onClick={() => submit("cancel")}>Cancel request</Button>
        <Button variant="primary" loading={busy && fetcher.formData?.get("intent") === "approve"} disabled={busy || chosen.length === 0} onClick={() => submit("approve")}>
          {isProposal ? "Approve proposal" : chosen.length === 0 ? "Pick a quote" : `Approve ${chosen.length === 1 ? "picked quote" : `${chosen.length} picked quotes`}`}
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

function Decided({ request }: { request: RequestView }) {
  return (
    <BlockStack gap="200">
      <RequestHeading request={request} />
      {request.award && <Text as="p">{`${request.award.total} · arrives within ${request.award.leadBusinessDays} business days${request.award.note ? ` · ${request.award.note}` : ""}`}</Text>}
      {request.resolution && <Text as="p" tone="subdued">{request.resolution}</Text>}
      {request.purchaseOrders.length > 0 && (
        <List>
          {request.purchaseOrders.map((po) => (
            <List.Item key={po.id}>{`${po.supplierName}: ${po.quantity} × ${po.unitPrice} = ${po.total} · ${po.incoming}`}</List.Item>
          ))}
        </List>
      )}
    </BlockStack>
  );
}

function Section({ title, requests, render }: { title: string; requests: RequestView[]; render: (r: RequestView) => JSX.Element }) {
  return (
    <Card padding="0">
      <Box padding="400">
        <Text as="h2" variant="headingMd">{`${title} (${requests.length})`}</Text>
      </Box>
      {requests.map((r) => (
        <Box key={r.id}>
          <Divider />
          <Box padding="400">{render(r)}</Box>
        </Box>
      ))}
    </Card>
  );
}

export default function ReplenishmentPage() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/replenishment";
  const total = data.open.length + data.approvals.length + data.decided.length;

  if (total === 0) {
    return (
      <Page title="Replenishment">
        <Card>
          <EmptyState heading="No replenishment requests yet" image={EMPTY_IMAGE} action={{ content: "Suppliers", url: "/app/suppliers" }}>
            <p>When a SKU falls to its reorder point, Tierline asks its suppliers for quotes and orders from the best. Requests, quotes and anything that needs your decision appear here.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page title="Replenishment" subtitle={`${data.counts.escalated} waiting for your decision · ${data.counts.open} asking suppliers · times in ${data.timeZone}`} secondaryActions={[{ content: "Suppliers", url: "/app/suppliers" }]}>
      <Layout>
        {loading ? (
          <Layout.Section>
            <Card>
              <SkeletonBodyText lines={8} />
            </Card>
          </Layout.Section>
        ) : (
          <>
            {data.approvals.length > 0 && (
              <Layout.Section>
                <Section title="Needs your decision" requests={data.approvals} render={(r) => <Approval request={r} />} />
              </Layout.Section>
            )}
            {data.open.length > 0 && (
              <Layout.Section>
                <Section title="Asking suppliers" requests={data.open} render={(r) => <OpenRequest request={r} />} />
              </Layout.Section>
            )}
            {data.decided.length > 0 && (
              <Layout.Section>
                <Section title="Recently decided" requests={data.decided} render={(r) => <Decided request={r} />} />
              </Layout.Section>
            )}
          </>
        )}
      </Layout>
    </Page>
  );
}
