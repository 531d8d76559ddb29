// Members: every member's tier, spend and progress in a Polaris IndexTable, with
// search as you type, filters, sorting, pages with counts, bulk pin / unpin and
// a CSV of the filtered list. A member's own page is /app/members/:id.
import { useCallback, useEffect, useRef, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import {
  Badge, Banner, BlockStack, Box, Card, ChoiceList, EmptySearchResult, FormLayout, IndexFilters, IndexTable, InlineStack, Link, Modal, Page, ProgressBar, Select, Text, TextField,
  IndexFiltersMode, useBreakpoints, useIndexResourceState, useSetIndexFiltersMode, type IndexFiltersProps,
} from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { loadMembersPage, submitMemberAction, type MemberActionResult, type MemberQuery } from "../use-cases/members-admin.server.ts";
import { shopFormatFor } from "../use-cases/shop-format.server.ts";
import { tierRecomputeRequester } from "../use-cases/request-tier-recompute.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const format = await shopFormatFor(db, session.shop, request);
  return json(await loadMembersPage({ db, shop: session.shop, params: new URL(request.url).searchParams, now: new Date(), format }));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const format = await shopFormatFor(db, session.shop, request);
  const result = await submitMemberAction({ db, shop: session.shop, form: await request.formData(), format, now: new Date(), requestRecompute: tierRecomputeRequester(session.shop) });
  return json<MemberActionResult>(result, { status: result.ok ? 200 : 422 });
};

const CHANGED: Record<string, string> = { "7": "Tier changed in the last 7 days", "30": "Tier changed in the last 30 days", "90": "Tier changed in the last 90 days" };
const SORT_OPTIONS: IndexFiltersProps["sortOptions"] = [
  { label: "Qualifying spend", value: "spend desc", directionLabel: "Highest first" },
  { label: "Qualifying spend", value: "spend asc", directionLabel: "Lowest first" },
  { label: "Name", value: "name asc", directionLabel: "A–Z" },
  { label: "Name", value: "name desc", directionLabel: "Z–A" },
  { label: "Tier", value: "tier desc", directionLabel: "Highest first" },
  { label: "Tier", value: "tier asc", directionLabel: "Lowest first" },
  { label: "Tier since", value: "since desc", directionLabel: "Newest first" },
  { label: "Tier since", value: "since asc", directionLabel: "Oldest first" },
];
/** The table's sortable columns, by heading index. */
const COLUMN_SORTS: (MemberQuery["sort"] | null)[] = ["name", "tier", "spend", null, "since"];

export default function MembersPage() {
  const data = useLoaderData<typeof loader>();
  const { query, tiers, members } = data;
  const [searchParams, setSearchParams] = useSearchParams();
  const navigation = useNavigation();
  const bulk = useFetcher<MemberActionResult>();
  const shopify = useAppBridge();
  const { smDown } = useBreakpoints();
  // The search field stays open: merchants come here to find someone.
  const { mode, setMode } = useSetIndexFiltersMode(IndexFiltersMode.Filtering);

  // Search and spend bounds are typed: the URL follows a moment after the last key.
  const [q, setQ] = useState(query.q);
  const [minSpend, setMinSpend] = useState(query.minSpend);
  const [maxSpend, setMaxSpend] = useState(query.maxSpend);
  useEffect(() => setQ(query.q), [query.q]);
  useEffect(() => setMinSpend(query.minSpend), [query.minSpend]);
  useEffect(() => setMaxSpend(query.maxSpend), [query.maxSpend]);

  const update = useCallback(
    (next: Partial<Record<keyof MemberQuery, string>>) => {
      setSearchParams(
        (current) => {
          const params = new URLSearchParams(current);
          for (const [key, value] of Object.entries(next)) {
            if (value) params.set(key, value);
            else params.delete(key);
          }
          if (!("page" in next)) params.delete("page");
          return params;
        },
        { replace: true, preventScrollReset: true },
      );
    },
    [setSearchParams],
  );
  const typed = useRef<ReturnType<typeof setTimeout>>();
  const later = (next: Partial<Record<keyof MemberQuery, string>>) => {
    clearTimeout(typed.current);
    typed.current = setTimeout(() => update(next), 300);
  };
  useEffect(() => () => clearTimeout(typed.current), []);

  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } = useIndexResourceState(
    members as unknown as { [key: string]: unknown }[],
    { resourceIDResolver: (m) => (m as unknown as { customerGid: string }).customerGid },
  );
  useEffect(() => clearSelection(), [members, clearSelection]);

  const [pinOpen, setPinOpen] = useState(false);
  const [pinTier, setPinTier] = useState(tiers[tiers.length - 1]?.key ?? "");
  const [pinUntil, setPinUntil] = useState("");
  const bulkSubmit = (fields: Record<string, string>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    for (const gid of selectedResources) form.append("customerGid", gid);
    bulk.submit(form, { method: "post" });
  };
  useEffect(() => {
    if (bulk.state === "idle" && bulk.data?.ok) {
      setPinOpen(false);
      shopify.toast.show(bulk.data.message);
    }
  }, [bulk.state, bulk.data, shopify]);

  const filters: IndexFiltersProps["filters"] = [
    {
      key: "tier",
      label: "Tier",
      filter: <ChoiceList title="Tier" titleHidden choices={tiers.map((t) => ({ label: t.name, value: t.key, helpText: t.threshold }))} selected={query.tier ? [query.tier] : []} onChange={([tier]) => update({ tier })} />,
      shortcut: true,
    },
    {
      key: "pinned",
      label: "Pinned",
      filter: <ChoiceList title="Pinned" titleHidden choices={[{ label: "Pinned", value: "yes" }, { label: "Not pinned", value: "no" }]} selected={query.pinned ? [query.pinned] : []} onChange={([pinned]) => update({ pinned })} />,
      shortcut: true,
    },
    {
      key: "grace",
      label: "In grace",
      filter: <ChoiceList title="In grace" titleHidden choices={[{ label: "In a grace period", value: "yes" }]} selected={query.grace ? [query.grace] : []} onChange={([grace]) => update({ grace })} />,
    },
    {
      key: "changed",
      label: "Tier changed",
      filter: <ChoiceList title="Tier changed" titleHidden choices={Object.entries(CHANGED).map(([value, label]) => ({ label: label.replace("Tier changed in the l", "L"), value }))} selected={query.changed ? [query.changed] : []} onChange={([changed]) => update({ changed })} />,
    },
    {
      key: "spend",
      label: "Qualifying spend",
      filter: (
        <FormLayout>
          <TextField label="At least" value={minSpend} onChange={(v) => (setMinSpend(v), later({ minSpend: v, maxSpend }))} autoComplete="off" inputMode="decimal" error={data.errors.minSpend} />
          <TextField label="At most" value={maxSpend} onChange={(v) => (setMaxSpend(v), later({ minSpend, maxSpend: v }))} autoComplete="off" inputMode="decimal" error={data.errors.maxSpend} />
        </FormLayout>
      ),
    },
  ];
  const tierName = (key: string) => tiers.find((t) => t.key === key)?.name ?? key;
  const applied: IndexFiltersProps["appliedFilters"] = [
    ...(query.tier ? [{ key: "tier", label: `Tier: ${tierName(query.tier)}`, onRemove: () => update({ tier: "" }) }] : []),
    ...(query.pinned ? [{ key: "pinned", label: query.pinned === "yes" ? "Pinned" : "Not pinned", onRemove: () => update({ pinned: "" }) }] : []),
    ...(query.grace ? [{ key: "grace", label: "In grace", onRemove: () => update({ grace: "" }) }] : []),
    ...(query.changed ? [{ key: "changed", label: CHANGED[query.changed], onRemove: () => update({ changed: "" }) }] : []),
    ...(query.minSpend || query.maxSpend
      ? [{ key: "spend", label: `Spend ${[query.minSpend && `from ${query.minSpend}`, query.maxSpend && `up to ${query.maxSpend}`].filter(Boolean).join(" ")}`, onRemove: () => update({ minSpend: "", maxSpend: "" }) }]
      : []),
  ];

  const [exporting, setExporting] = useState(false);
  const exportCsv = async () => {
    setExporting(true);
    try {
      const params = new URLSearchParams(searchParams);
      params.delete("page");
      const response = await fetch(`/app/members/export?${params}`);
      if (!response.ok) throw new Error(String(response.status));
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = "tierline-members.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      shopify.toast.show("The export could not be made. Try again.", { isError: true });
    } finally {
      setExporting(false);
    }
  };

  const rows = members.map((m, index) => (
    <IndexTable.Row id={m.customerGid} key={m.customerGid} position={index} selected={selectedResources.includes(m.customerGid)}>
      {smDown ? (
        <IndexTable.Cell>
          <BlockStack gap="100">
            <InlineStack align="space-between" blockAlign="center" gap="200" wrap={false}>
              <Link url={`/app/members/${m.id}`} removeUnderline dataPrimaryLink>
                <Text as="span" fontWeight="semibold" truncate>{m.name}</Text>
              </Link>
              <Text as="span" numeric>{m.spend}</Text>
            </InlineStack>
            <InlineStack gap="100">
              <Badge tone={m.topTier ? "success" : undefined}>{m.tierName ?? "No tier"}</Badge>
              {m.pinned && <Badge tone="info">Pinned</Badge>}
              {m.grace && <Badge tone="attention">In grace</Badge>}
            </InlineStack>
            <Text as="span" variant="bodySm" tone="subdued">{m.next}{m.since ? ` · since ${m.since}` : ""}</Text>
          </BlockStack>
        </IndexTable.Cell>
      ) : (
        <>
          <IndexTable.Cell>
            <BlockStack gap="050">
              <Link url={`/app/members/${m.id}`} removeUnderline dataPrimaryLink>
                <Text as="span" fontWeight="semibold">{m.name}</Text>
              </Link>
              {m.email && <Text as="span" variant="bodySm" tone="subdued">{m.email}</Text>}
            </BlockStack>
          </IndexTable.Cell>
          <IndexTable.Cell>
            <InlineStack gap="100">
              <Badge tone={m.topTier ? "success" : undefined}>{m.tierName ?? "No tier"}</Badge>
              {m.pinned && <Badge tone="info">{m.pinned}</Badge>}
              {m.grace && <Badge tone="attention">{m.grace}</Badge>}
            </InlineStack>
          </IndexTable.Cell>
          <IndexTable.Cell>
            <Text as="span" alignment="end" numeric>{m.spend}</Text>
          </IndexTable.Cell>
          <IndexTable.Cell>
            <Box minWidth="140px">
              <BlockStack gap="100">
                <ProgressBar progress={Math.round(m.progress * 100)} size="small" tone={m.topTier ? "success" : "highlight"} />
                <Text as="span" variant="bodySm" tone="subdued">{m.next}</Text>
              </BlockStack>
            </Box>
          </IndexTable.Cell>
          <IndexTable.Cell>{m.since ?? "—"}</IndexTable.Cell>
          <IndexTable.Cell>
            <Text as="span" variant="bodySm" tone="subdued">{m.sync}</Text>
          </IndexTable.Cell>
        </>
      )}
    </IndexTable.Row>
  ));

  const sortColumn = COLUMN_SORTS.indexOf(query.sort);
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/members";
  const hasSpendError = Boolean(data.errors.minSpend || data.errors.maxSpend);
  return (
    <Page
      title="Members"
      subtitle={data.totalLabel}
      secondaryActions={[{ content: "Export CSV", onAction: exportCsv, loading: exporting, disabled: data.total === 0, helpText: "The filtered list, every page" }]}
    >
      <BlockStack gap="300">
        {hasSpendError && (
          <Banner tone="warning" title="The spend filter was not applied">
            <p>{[data.errors.minSpend, data.errors.maxSpend].filter(Boolean).join(" ")}</p>
          </Banner>
        )}
        {bulk.data && !bulk.data.ok && bulk.state === "idle" && <Banner tone="critical">{bulk.data.error}</Banner>}
        <Card padding="0">
          <IndexFilters
            sortOptions={SORT_OPTIONS}
            sortSelected={[`${query.sort} ${query.dir}`]}
            onSort={([value]) => {
              const [sort, dir] = (value ?? "spend desc").split(" ");
              update({ sort, dir });
            }}
            queryValue={q}
            queryPlaceholder="Search by name, email or customer ID"
            onQueryChange={(value) => (setQ(value), later({ q: value }))}
            onQueryClear={() => (setQ(""), update({ q: "" }))}
            filters={filters}
            appliedFilters={applied}
            onClearAll={() => setSearchParams(new URLSearchParams(), { replace: true })}
            mode={mode}
            setMode={setMode}
            tabs={[{ id: "all", content: "All members" }]}
            selected={0}
            onSelect={() => undefined}
            canCreateNewView={false}
            loading={loading}
          />
          <IndexTable
            condensed={smDown}
            resourceName={{ singular: "member", plural: "members" }}
            itemCount={members.length}
            selectedItemsCount={allResourcesSelected ? "All" : selectedResources.length}
            onSelectionChange={handleSelectionChange}
            promotedBulkActions={[
              { content: "Pin to tier…", onAction: () => setPinOpen(true) },
              { content: "Unpin", onAction: () => bulkSubmit({ intent: "unpin" }) },
            ]}
            headings={[{ title: "Customer" }, { title: "Tier" }, { title: "Qualifying spend", alignment: "end" }, { title: "Next tier" }, { title: "Tier since" }, { title: "Shopify" }]}
            sortable={COLUMN_SORTS.map((s) => s !== null)}
            sortColumnIndex={sortColumn >= 0 ? sortColumn : undefined}
            sortDirection={query.dir === "asc" ? "ascending" : "descending"}
            onSort={(index, direction) => {
              const sort = COLUMN_SORTS[index];
              if (sort) update({ sort, dir: direction === "ascending" ? "asc" : "desc" });
            }}
            emptyState={
              <EmptySearchResult
                title="No members match"
                description={data.total === 0 && !searchParams.toString() ? "Members appear here once their orders are in Tierline. The order history import on the Overview brings them in." : "Try another search or remove a filter."}
                withIllustration
              />
            }
            pagination={{
              hasPrevious: data.page > 1,
              onPrevious: () => update({ page: String(data.page - 1) }),
              hasNext: data.page * data.pageSize < data.total,
              onNext: () => update({ page: String(data.page + 1) }),
              label: data.range,
            }}
            loading={loading}
          >
            {rows}
          </IndexTable>
        </Card>
      </BlockStack>
      <Modal
        open={pinOpen}
        onClose={() => setPinOpen(false)}
        title={`Pin ${selectedResources.length === 1 ? "1 member" : `${selectedResources.length} members`} to a tier`}
        primaryAction={{ content: "Pin", loading: bulk.state !== "idle", onAction: () => bulkSubmit({ intent: "pin", tierKey: pinTier, until: pinUntil }) }}
        secondaryActions={[{ content: "Cancel", onAction: () => setPinOpen(false) }]}
      >
        <Modal.Section>
          <FormLayout>
            <Select label="Tier" options={tiers.map((t) => ({ label: `${t.name} (${t.threshold})`, value: t.key }))} value={pinTier} onChange={setPinTier} />
            <TextField label="Until (optional)" type="date" value={pinUntil} onChange={setPinUntil} autoComplete="off" helpText="Through the end of that day. Leave empty to keep the pin until you unpin." />
            {bulk.data && !bulk.data.ok && <Text as="p" tone="critical">{bulk.data.error}</Text>}
          </FormLayout>
        </Modal.Section>
      </Modal>
    </Page>
  );
}
