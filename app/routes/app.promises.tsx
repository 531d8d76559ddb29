// Promises: every order's ship-by promise with its tier, lane and status, filterable by tier and
// status; lanes near capacity flagged; roll-overs and Shopify conflicts shown on the order;
// "Recompute promise" per open order (current rules, never once shipped or cancelled).
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Divider, EmptyState, InlineStack, Layout, List, Page, Pagination, Select, Text } from "@shopify/polaris";
import { requestPromiseRecompute } from "../adapters/queues/promise-jobs.server.ts";
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { db } from "../db.server.ts";
import type { PromiseStatus } from "../domain/promise-score.ts";
import { authenticate } from "../shopify.server.ts";
import { PROMISE_STATUS_LABELS, PROMISE_STATUSES } from "../components/promise-status.ts";
import { loadPromisesPage, requestRecomputeFromPage, shopLocaleFor, type RecomputeRequestResult } from "../use-cases/promises-admin.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const locale = await shopLocaleFor(db, session.shop, request);
  return json(await loadPromisesPage({ db, shop: session.shop, params: new URL(request.url).searchParams, now: new Date(), locale }));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  if (form.get("intent") !== "recompute") return json<RecomputeRequestResult>({ ok: false, orderGid: null, message: "Unknown action." }, { status: 400 });
  const result = await requestRecomputeFromPage({ db, shop: session.shop, form, requestRecompute: (orderGid) => requestPromiseRecompute(jobQueues(), session.shop, orderGid) });
  return json(result, { status: result.ok ? 200 : 422 });
};

/** One order's "Recompute promise" button, with the answer beside it. */
function RecomputeAction({ orderGid }: { orderGid: string }) {
  const fetcher = useFetcher<typeof action>();
  const busy = fetcher.state !== "idle";
  const answer = fetcher.data;
  return (
    <InlineStack gap="200" blockAlign="center" wrap>
      <Button size="slim" loading={busy} onClick={() => fetcher.submit({ intent: "recompute", orderGid }, { method: "post" })}>
        Recompute promise
      </Button>
      {answer && !busy && (
        <Text as="span" variant="bodySm" tone={answer.ok ? "success" : "critical"}>
          {answer.message}
        </Text>
      )}
    </InlineStack>
  );
}

// A parcel with a clock: drawn here so the empty state needs no image host.
const EMPTY_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><rect x="18" y="34" width="64" height="56" rx="6" fill="#e3e3e3"/><path d="M18 52h64M50 34v18" stroke="#b5b5b5" stroke-width="4"/><circle cx="84" cy="80" r="22" fill="#fff" stroke="#8a8a8a" stroke-width="4"/><path d="M84 68v13l8 6" stroke="#303030" stroke-width="4" fill="none" stroke-linecap="round"/></svg>')}`;

const STATUS_TONE: Record<PromiseStatus, "success" | "critical" | "attention" | "info" | undefined> = {
  on_time: "info",
  due_today: "attention",
  late: "critical",
  kept: "success",
  broken: "critical",
};

export default function PromisesPage() {
  const data = useLoaderData<typeof loader>();
  const [searchParams, setSearchParams] = useSearchParams();
  const number = (value: number) => new Intl.NumberFormat(data.locale).format(value);
  const apply = (patch: Record<string, string>) => {
    const params = new URLSearchParams(searchParams);
    for (const [key, value] of Object.entries(patch)) {
      if (value) params.set(key, value);
      else params.delete(key);
    }
    if (!("page" in patch)) params.delete("page");
    setSearchParams(params);
  };
  const full = data.capacityFlags.filter((f) => f.level === "full");
  const statusOptions = [
    { label: "All statuses", value: "" },
    ...PROMISE_STATUSES.map((status) => ({ label: `${PROMISE_STATUS_LABELS[status]} (${number(data.statusCounts[status])})`, value: status })),
  ];
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));

  if (data.totalPromises === 0) {
    return (
      <Page title="Promises">
        <Card>
          <EmptyState heading="No promises yet" image={EMPTY_IMAGE} action={{ content: "Promise settings", url: "/app/promise-settings" }}>
            <p>Each paid order gets a ship-by promise for its customer's tier. They appear here, with whether each was kept, once orders come in.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page title="Promises" subtitle={`${number(data.totalPromises)} orders with a promise · times in ${data.timeZone}`} secondaryActions={[{ content: "Promise settings", url: "/app/promise-settings" }]}>
      <Layout>
        {data.capacityFlags.length > 0 && (
          <Layout.Section>
            <Banner tone={full.length > 0 ? "warning" : "info"} title={full.length > 0 ? "Some lanes are full: new promises move to the next day with room" : "Some lanes are nearly full"}>
              <List>
                {data.capacityFlags.map((flag) => (
                  <List.Item key={`${flag.laneName}-${flag.day}`}>
                    {`${flag.laneName}, ${flag.day}: ${flag.booked} of ${flag.capacity} orders${flag.level === "full" ? " (full)" : ""}`}
                  </List.Item>
                ))}
              </List>
            </Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" wrap>
                {PROMISE_STATUSES.map((status) => (
                  <Badge key={status} tone={STATUS_TONE[status]}>{`${PROMISE_STATUS_LABELS[status]}: ${number(data.statusCounts[status])}`}</Badge>
                ))}
              </InlineStack>
              <InlineStack gap="300" wrap>
                <Box minWidth="180px">
                  <Select label="Tier" options={[{ label: "All tiers", value: "" }, ...data.tiers.map((t) => ({ label: t.name, value: t.key }))]} value={data.query.tier} onChange={(tier) => apply({ tier })} />
                </Box>
                <Box minWidth="180px">
                  <Select label="Status" options={statusOptions} value={data.query.status} onChange={(status) => apply({ status })} />
                </Box>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            {data.rows.length === 0 ? (
              <Box padding="400">
                <BlockStack gap="100">
                  <Text as="h2" variant="headingSm">No promises match</Text>
                  <Text as="p" tone="subdued">Try another tier or status.</Text>
                </BlockStack>
              </Box>
            ) : (
              <BlockStack>
                {data.rows.map((row, i) => (
                  <Box key={row.orderGid}>
                    {i > 0 && <Divider />}
                    <Box padding="400">
                      <BlockStack gap="200">
                        <InlineStack align="space-between" blockAlign="center" gap="200" wrap>
                          <InlineStack gap="200" blockAlign="center" wrap>
                            <Text as="h3" variant="headingSm">{row.orderName}</Text>
                            <Badge>{row.tierName}</Badge>
                            <Text as="span" tone="subdued">{row.laneName}</Text>
                          </InlineStack>
                          <Badge tone={STATUS_TONE[row.status]}>{PROMISE_STATUS_LABELS[row.status]}</Badge>
                        </InlineStack>
                        <InlineStack gap="400" wrap>
                          <Text as="p">{`Ship by ${row.shipBy}`}</Text>
                          {row.arriveBy && <Text as="p">{`Arrives ${row.arriveBy}`}</Text>}
                          {row.shippedAt && <Text as="p" tone="subdued">{`Shipped ${row.shippedAt}`}</Text>}
                        </InlineStack>
                        <Text as="p" variant="bodySm" tone="subdued">{`Ordered ${row.orderedAt} · earliest ship ${row.shipByEarliest}`}</Text>
                        {row.conflict && (
                          <Banner tone="warning">
                            <p>{row.conflict}</p>
                          </Banner>
                        )}
                        {row.adjustments.map((note) => (
                          <Text as="p" key={note} variant="bodySm" tone={/full/.test(note) ? "caution" : "subdued"}>{note}</Text>
                        ))}
                        {row.recomputable && <RecomputeAction orderGid={row.orderGid} />}
                      </BlockStack>
                    </Box>
                  </Box>
                ))}
              </BlockStack>
            )}
          </Card>
        </Layout.Section>
        <Layout.Section>
          <InlineStack align="center" gap="300" blockAlign="center">
            <Pagination
              hasPrevious={data.page > 1}
              onPrevious={() => apply({ page: String(data.page - 1) })}
              hasNext={data.page < pages}
              onNext={() => apply({ page: String(data.page + 1) })}
              label={`Page ${number(data.page)} of ${number(pages)} · ${number(data.total)} ${data.total === 1 ? "order" : "orders"}`}
            />
          </InlineStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
