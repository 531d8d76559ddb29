// Members: every customer's tier, spend and progress to the next tier, with
// search and filters; one member's history of tier changes, and pin/unpin.
import { useEffect, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import {
  Badge, Banner, BlockStack, Box, Button, Card, DataTable, FormLayout, InlineStack, Layout, Page, Pagination, ProgressBar, Select, Text, TextField,
} from "@shopify/polaris";
import { db } from "../db.server.ts";
import { formatMoney } from "../domain/money.ts";
import { authenticate } from "../shopify.server.ts";
import { loadMembersPage, submitMemberAction, type MemberActionResult, type MemberQuery } from "../use-cases/members-admin.server.ts";
import { tierRecomputeRequester } from "../use-cases/request-tier-recompute.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(await loadMembersPage({ db, shop: session.shop, params: new URL(request.url).searchParams, now: new Date() }));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const result = await submitMemberAction({
    db,
    shop: session.shop,
    form: { intent: field("intent") ?? "", customerGid: field("customerGid") ?? "", tierKey: field("tierKey"), until: field("until") },
    now: new Date(),
    requestRecompute: tierRecomputeRequester(session.shop),
  });
  return json<MemberActionResult>(result, { status: result.ok ? 200 : 422 });
};

const PINNED_OPTIONS = [
  { label: "Pinned or not", value: "" },
  { label: "Pinned", value: "yes" },
  { label: "Not pinned", value: "no" },
];

const CHANGED_OPTIONS = [
  { label: "Any time", value: "" },
  { label: "Last 7 days", value: "7" },
  { label: "Last 30 days", value: "30" },
  { label: "Last 90 days", value: "90" },
];

const REASONS: Record<string, string> = {
  order: "Order",
  refund: "Refund",
  cancellation: "Cancellation",
  window: "Orders aged out",
  rule_change: "Rule change",
  manual: "Merchant",
};

const dateOf = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");

/** How the member's Shopify write stands; spend moved within a tier is written by the periodic refresh. */
const SYNC_LABEL: Record<string, string> = { synced: "Synced", stale: "Spend update queued", failed: "Failed, retrying", pending: "Pending" };

export default function MembersPage() {
  const { query, list, selected } = useLoaderData<typeof loader>();
  const [searchParams, setSearchParams] = useSearchParams();
  const [filters, setFilters] = useState<MemberQuery>(query);
  const pin = useFetcher<MemberActionResult>();
  const [pinTier, setPinTier] = useState(list.tiers[list.tiers.length - 1]?.key ?? "");
  const [pinUntil, setPinUntil] = useState("");
  const currency = list.currency;
  const money = (minor: number) => `${formatMoney(minor, currency)} ${currency}`;
  const tierName = (key: string | null) => list.tiers.find((t) => t.key === key)?.name ?? key ?? "—";

  useEffect(() => setFilters(query), [query]);

  const apply = (next: Partial<MemberQuery>) => {
    const merged = { ...filters, ...next, page: next.page ?? 1 };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(merged)) {
      if (value !== "" && !(key === "page" && value === 1)) params.set(key, String(value));
    }
    setSearchParams(params);
  };
  const select = (customerGid: string) => {
    const params = new URLSearchParams(searchParams);
    params.set("member", customerGid);
    setSearchParams(params);
  };

  const rows = list.members.map((m) => [
    <Button key="name" variant="plain" onClick={() => select(m.customerGid)}>{m.name}</Button>,
    <InlineStack key="tier" gap="100">
      <Badge tone={m.tierKey === list.tiers[list.tiers.length - 1]?.key ? "success" : undefined}>{m.tierName ?? "—"}</Badge>
      {m.pinnedTierKey && <Badge tone="info">Pinned</Badge>}
      {m.graceUntil && <Badge tone="attention">{`Grace until ${dateOf(m.graceUntil)}`}</Badge>}
    </InlineStack>,
    money(m.spendMinor),
    <BlockStack key="progress" gap="100">
      <ProgressBar progress={Math.round(m.progress * 100)} size="small" tone={m.nextTierName ? "highlight" : "success"} />
      <Text as="span" variant="bodySm" tone="subdued">{m.nextTierName ? `${money(m.toNextTierMinor ?? 0)} to ${m.nextTierName}` : "Top tier"}</Text>
    </BlockStack>,
    dateOf(m.tierSince),
    SYNC_LABEL[m.syncStatus] ?? "Pending",
  ]);

  const member = selected?.member;
  return (
    <Page title="Members" subtitle={`${list.total} members`}>
      <Layout>
        <Layout.Section>
          <Card>
            <FormLayout>
              <FormLayout.Group condensed>
                <TextField label="Search" value={filters.q} onChange={(q) => setFilters((f) => ({ ...f, q }))} placeholder="Name or email" autoComplete="off" />
                <Select label="Tier" options={[{ label: "All tiers", value: "" }, ...list.tiers.map((t) => ({ label: t.name, value: t.key }))]} value={filters.tier} onChange={(tier) => apply({ tier })} />
                <Select label="Pinned" options={PINNED_OPTIONS} value={filters.pinned} onChange={(pinned) => apply({ pinned: pinned as MemberQuery["pinned"] })} />
                <Select label="Tier changed" options={CHANGED_OPTIONS} value={filters.changed} onChange={(changed) => apply({ changed: changed as MemberQuery["changed"] })} />
              </FormLayout.Group>
              <FormLayout.Group condensed>
                <TextField label="Spend from" prefix={currency} value={filters.minSpend} onChange={(minSpend) => setFilters((f) => ({ ...f, minSpend }))} autoComplete="off" />
                <TextField label="Spend up to" prefix={currency} value={filters.maxSpend} onChange={(maxSpend) => setFilters((f) => ({ ...f, maxSpend }))} autoComplete="off" />
              </FormLayout.Group>
              <InlineStack gap="200">
                <Button variant="primary" onClick={() => apply({})}>Apply</Button>
                <Button onClick={() => setSearchParams(new URLSearchParams())}>Clear</Button>
              </InlineStack>
            </FormLayout>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card padding="0">
            {rows.length === 0 ? (
              <Box padding="400">
                <BlockStack gap="100">
                  <Text as="h2" variant="headingSm">No members match</Text>
                  <Text as="p" tone="subdued">Members appear here once their orders are in Tierline's ledger.</Text>
                </BlockStack>
              </Box>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "numeric", "text", "text", "text"]}
                headings={["Customer", "Tier", "Qualifying spend", "Progress", "Tier since", "Shopify"]}
                rows={rows}
              />
            )}
          </Card>
          <InlineStack align="center">
            <Pagination
              hasPrevious={list.page > 1}
              onPrevious={() => apply({ page: list.page - 1 })}
              hasNext={list.page * list.pageSize < list.total}
              onNext={() => apply({ page: list.page + 1 })}
            />
          </InlineStack>
        </Layout.Section>

        {member && selected && (
          <Layout.Section variant="oneThird">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">{member.name}</Text>
                {member.email && <Text as="p" tone="subdued">{member.email}</Text>}
                <Text as="p">
                  {tierName(member.tierKey)} since {dateOf(member.tierSince)} · {money(member.spendMinor)} over {member.orders} orders
                </Text>
                {member.pinnedTierKey ? (
                  <BlockStack gap="200">
                    <Text as="p">
                      Pinned to {tierName(member.pinnedTierKey)}{member.pinnedUntil ? ` until ${dateOf(member.pinnedUntil)}` : ""}.
                    </Text>
                    <pin.Form method="post">
                      <input type="hidden" name="intent" value="unpin" />
                      <input type="hidden" name="customerGid" value={member.customerGid} />
                      <Button submit loading={pin.state !== "idle"}>Unpin</Button>
                    </pin.Form>
                  </BlockStack>
                ) : (
                  <pin.Form method="post">
                    <input type="hidden" name="intent" value="pin" />
                    <input type="hidden" name="customerGid" value={member.customerGid} />
                    <FormLayout>
                      <Select label="Pin to tier" name="tierKey" options={list.tiers.map((t) => ({ label: t.name, value: t.key }))} value={pinTier} onChange={setPinTier} />
                      <TextField label="Until (optional)" name="until" type="date" value={pinUntil} onChange={setPinUntil} autoComplete="off" />
                      <Button submit loading={pin.state !== "idle"}>Pin</Button>
                    </FormLayout>
                  </pin.Form>
                )}
                {pin.data && !pin.data.ok && <Banner tone="critical">{pin.data.error}</Banner>}
                <Text as="h3" variant="headingSm">History</Text>
                {selected.history.length === 0 ? (
                  <Text as="p" tone="subdued">No tier changes yet.</Text>
                ) : (
                  <BlockStack gap="100">
                    {selected.history.map((h) => (
                      <Text as="p" key={`${h.at}-${h.toTierName}`}>
                        {dateOf(h.at)}: {h.fromTierName ?? "—"} → {h.toTierName ?? "—"} ({REASONS[h.reason] ?? h.reason}, {money(h.spendMinor)})
                      </Text>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
          </Layout.Section>
        )}
      </Layout>
    </Page>
  );
}
