// Dashboard: tier health and service performance over a date range the merchant picks, from the
// rollup tables (app/use-cases/kpi-dashboard.server.ts). Each figure: a one-sentence definition, a
// fixed-size chart, its numbers in a table beside it, and the table as CSV.
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, DataTable, EmptyState, InlineStack, Layout, Link, Page, Select, Text, TextField } from "@shopify/polaris";
import { useState, type ReactNode } from "react";
import { db } from "../db.server.ts";
import { formatMoney, formatShopDateTime } from "../use-cases/admin-formatting.ts";
import { shopFormatFor } from "../use-cases/shop-format.server.ts";
import { NO_TIER } from "../domain/kpi-facts.ts";
import { LATE_CAUSES } from "../domain/kpi-figures.ts";
import { authenticate } from "../shopify.server.ts";
import { CHART_WIDTH, KpiBarChart, type ChartSeries } from "../components/kpi-bar-chart.tsx";
import { csvDataUrl, toCsv, type CsvCell } from "../components/kpi-csv.ts";
import { loadDashboard } from "../use-cases/kpi-dashboard.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [dashboard, format] = await Promise.all([
    loadDashboard({ db, shop: session.shop, params: new URL(request.url).searchParams, now: new Date() }),
    shopFormatFor(db, session.shop, request),
  ]);
  return json({ ...dashboard, format });
};

const percent = (value: number | null) => (value === null ? "–" : `${(value * 100).toFixed(1)} %`);
const hours = (value: number | null) => (value === null ? "–" : value >= 48 ? `≤ ${value / 24} d` : `≤ ${value} h`);

type Table = { headings: string[]; rows: CsvCell[][]; numeric?: boolean[] };

function FigureTable({ id, caption, table }: { id: string; caption: string; table: Table }) {
  const csv = csvDataUrl(toCsv(table.headings, table.rows));
  return (
    <BlockStack gap="200">
      <div data-table={id}>
        <DataTable
          columnContentTypes={table.headings.map((_, i) => (table.numeric?.[i] ?? i > 0 ? "numeric" : "text"))}
          headings={table.headings}
          rows={table.rows.map((row) => row.map((cell) => (cell === null ? "–" : cell)))}
          increasedTableDensity
        />
      </div>
      <InlineStack>
        <Button url={csv} download={`${id}.csv`} size="slim" accessibilityLabel={`Download ${caption} as CSV`}>
          Export CSV
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

function FigureCard({ id, title, definition, chart, tables, empty }: { id: string; title: string; definition: string; chart: ReactNode; tables: { id: string; caption: string; table: Table }[]; empty: boolean }) {
  return (
    <Card>
      <section data-figure={id} aria-label={title}>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        <Text as="p" tone="subdued">
          {definition}
        </Text>
        {empty ? (
          <Text as="p">No data in this range yet.</Text>
        ) : (
          <InlineStack gap="400" wrap blockAlign="start">
            <Box minWidth={`${CHART_WIDTH}px`}>{chart}</Box>
            <div style={{ flex: "1 1 320px", minWidth: 0 }}>
              <BlockStack gap="400">
                {tables.map((t) => (
                  <FigureTable key={t.id} {...t} />
                ))}
              </BlockStack>
            </div>
          </InlineStack>
        )}
      </BlockStack>
      </section>
    </Card>
  );
}

// A rising line over bars, drawn here so the empty state needs no image host.
const EMPTY_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><rect x="20" y="70" width="16" height="30" fill="#e3e3e3"/><rect x="46" y="55" width="16" height="45" fill="#d4d4d4"/><rect x="72" y="40" width="16" height="60" fill="#b5b5b5"/><path d="M18 62l30-16 26 8 30-26" stroke="#303030" stroke-width="4" fill="none" stroke-linecap="round"/></svg>')}`;

function RangePicker({ range, preset, presets }: { range: { from: string; to: string }; preset: number | null; presets: readonly number[] }) {
  const navigate = useNavigate();
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [choice, setChoice] = useState(preset === null ? "custom" : String(preset));
  const options = [...presets.map((days) => ({ label: `Last ${days} days`, value: String(days) })), { label: "Custom range", value: "custom" }];
  return (
    <Form method="get">
      <InlineStack gap="300" wrap blockAlign="end">
        <Box minWidth="180px">
          <Select
            label="Date range"
            name="days"
            options={options}
            value={choice}
            onChange={(value) => {
              setChoice(value);
              if (value !== "custom") navigate(`?days=${value}`);
            }}
          />
        </Box>
        {choice === "custom" && (
          <>
            <TextField label="From" type="date" name="from" value={from} onChange={setFrom} autoComplete="off" />
            <TextField label="To" type="date" name="to" value={to} onChange={setTo} autoComplete="off" />
            <Button submit>Apply</Button>
          </>
        )}
      </InlineStack>
    </Form>
  );
}

export default function DashboardPage() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const money = (minor: number | null) => (minor === null ? "–" : formatMoney(minor, data.format));
  const tierName = (key: string) => (key === NO_TIER ? "No tier / guest" : data.tiers.find((tier) => tier.key === key)?.name ?? key);
  const tierNames = data.tiers.map((tier) => tier.name);
  const per = <T extends { tierKey: string }>(rows: T[], value: (row: T) => number | null) => data.tiers.map((tier) => value(rows.find((row) => row.tierKey === tier.key)!) ?? 0);
  const title = `${data.range.from} to ${data.range.to}`;

  if (data.empty) {
    return (
      <Page title="Dashboard">
        <Card>
          <EmptyState heading="Your dashboard fills in as orders arrive" image={EMPTY_IMAGE}>
            <p>Tier health and service figures appear here once customers have tiers and orders are placed or shipped. The import of your order history fills in the past.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  const months = data.overTime.map((m) => m.month);
  const monthsWithMoves = [...new Set(data.migrations.map((m) => m.month))];
  const serviceByTier = data.tiers.slice(1).map((tier) => {
    const rows = data.service.filter((row) => row.tierKey === tier.key);
    return {
      tier,
      cost: rows.reduce((sum, row) => sum + row.handlingCostMinor + row.supplyCostMinor, 0),
      extra: rows.reduce((sum, row) => sum + (row.extraRevenueMinor ?? 0), 0),
    };
  });
  const moneyTick = (value: number) => {
    const major = value / 100;
    return Math.abs(major) >= 1000 ? `${Math.round(major / 1000)}k` : String(Math.round(major));
  };
  const percentTick = (value: number) => `${Math.round(value * 100)}%`;

  return (
    <Page title="Dashboard" subtitle={`Tier health and service, ${title} (${data.zone})`}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <RangePicker key={`${data.range.from}-${data.range.to}`} range={data.range} preset={data.preset} presets={data.presets} />
              <Text as="p" tone="subdued" variant="bodySm">
                {navigation.state === "loading" ? "Updating…" : `Figures up to ${data.rolledUntil ? formatShopDateTime(data.rolledUntil, data.format.locale, data.zone) : "the first rollup"}; they follow new orders within about a minute.`}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <div data-range={title}>
            <BlockStack gap="400">
              <FigureCard
                id="tier-distribution"
                title="Members and revenue by tier"
                definition="Members in each tier today, and each tier's share of the revenue kept in the range (sales minus refunds, each on its own day, by the tier the buyer had when ordering)."
                empty={false}
                chart={
                  <KpiBarChart
                    id="tier-distribution"
                    label={`Share of members and of revenue per tier, ${title}`}
                    categories={[...tierNames, "None"]}
                    series={[
                      { key: "members", label: "Share of members", values: data.distribution.map((row) => row.memberShare ?? 0) },
                      { key: "revenue", label: "Share of revenue", values: data.distribution.map((row) => row.revenueShare ?? 0) },
                    ]}
                    formatTick={percentTick}
                  />
                }
                tables={[
                  {
                    id: "tier-distribution",
                    caption: "members and revenue by tier",
                    table: {
                      headings: ["Tier", "Members", "Share of members", "Revenue kept", "Share of revenue"],
                      rows: data.distribution.map((row) => [tierName(row.tierKey), row.members, percent(row.memberShare), money(row.netRevenueMinor), percent(row.revenueShare)]),
                    },
                  },
                ]}
              />

              <FigureCard
                id="members-over-time"
                title="Members per tier over time"
                definition="How many members each tier had at the end of each month (today for the current month), from today's members and every tier change since."
                empty={months.length === 0}
                chart={<KpiBarChart id="members-over-time" label={`Members per tier at each month's end, ${title}`} categories={months} stacked series={data.tiers.map((tier) => ({ key: tier.key, label: tier.name, values: data.overTime.map((m) => m.counts[tier.key] ?? 0) }))} />}
                tables={[{ id: "members-over-time", caption: "members per tier over time", table: { headings: ["Month", ...tierNames], rows: data.overTime.map((m) => [m.month, ...data.tiers.map((tier) => m.counts[tier.key] ?? 0)]) } }]}
              />

              <FigureCard
                id="tier-migration"
                title="Tier migration"
                definition="Members who moved up or down between tiers (or joined or left) each month; a move's rate is the moves over the members the tier had when the period began, beside the same rate for the period just before."
                empty={data.migrations.length === 0 && data.rates.length === 0}
                chart={
                  <KpiBarChart
                    id="tier-migration"
                    label={`Members moving up, down, joining and leaving tiers per month, ${title}`}
                    categories={monthsWithMoves}
                    series={(["up", "down", "joined", "left"] as const).map((direction) => ({
                      key: direction,
                      label: { up: "Upgrades", down: "Downgrades", joined: "Joined", left: "Left" }[direction],
                      values: monthsWithMoves.map((month) => data.migrations.filter((m) => m.month === month && m.direction === direction).reduce((sum, m) => sum + m.moves, 0)),
                    }))}
                  />
                }
                tables={[
                  { id: "tier-migration", caption: "tier moves per month", table: { headings: ["Month", "From", "To", "Moves", "Direction"], rows: data.migrations.map((m) => [m.month, tierName(m.from), tierName(m.to), m.moves, m.direction]), numeric: [false, false, false, true, false] } },
                  {
                    id: "migration-rates",
                    caption: "migration rates against the previous period",
                    table: {
                      headings: ["Move", "This period", "Previous period", "Change"],
                      rows: data.rates.map((r) => [`${tierName(r.from)} → ${tierName(r.to)}`, `${percent(r.current.rate)} (${r.current.moves}/${r.current.base})`, `${percent(r.previous.rate)} (${r.previous.moves}/${r.previous.base})`, r.change === null ? null : `${r.change >= 0 ? "+" : ""}${(r.change * 100).toFixed(1)} pt`]),
                    },
                  },
                ]}
              />

              <FigureCard
                id="tier-value"
                title="Value per member (trailing 12 months)"
                definition={`Per tier, revenue kept in the last 12 months per member, average order value, orders per member and the share of members with two orders or more${data.membersComputedAt ? ` (as of ${data.membersComputedAt.slice(0, 10)})` : ""}.`}
                empty={data.ltv === null}
                chart={<KpiBarChart id="tier-value" label="Revenue per member per tier, trailing 12 months" categories={tierNames} series={[{ key: "value", label: "Revenue per member", values: data.ltv ? per(data.ltv, (row) => row.revenuePerMemberMinor) : [] }]} formatTick={moneyTick} minScale={100} />}
                tables={[
                  {
                    id: "tier-value",
                    caption: "value per member",
                    table: {
                      headings: ["Tier", "Members", "Revenue per member", "Average order", "Orders per member", "Repeat rate"],
                      rows: (data.ltv ?? []).map((row) => [tierName(row.tierKey), row.members, money(row.revenuePerMemberMinor), money(row.averageOrderMinor), row.ordersPerMember === null ? null : row.ordersPerMember.toFixed(2), percent(row.repeatRate)]),
                    },
                  },
                ]}
              />

              <FigureCard
                id="promise-kept"
                title="Delivery promises kept"
                definition="Share of shipped lines that left by their order's ship-by, per tier at checkout, by ship day; a late line's cause is a full lane (capacity), a restock (stock), a supplier's lead time (supplier) or none of those (handling)."
                empty={data.promise.every((row) => row.kept + row.late === 0)}
                chart={<KpiBarChart id="promise-kept" label={`Promise-kept rate per tier, ${title}`} categories={tierNames} series={[{ key: "kept", label: "Kept", values: per(data.promise, (row) => row.rate) }]} formatTick={percentTick} />}
                tables={[
                  {
                    id: "promise-kept",
                    caption: "promises kept and late causes",
                    table: { headings: ["Tier", "Kept", "Late", "Kept rate", ...LATE_CAUSES.map((cause) => `Late: ${cause}`)], rows: data.promise.map((row) => [tierName(row.tierKey), row.kept, row.late, percent(row.rate), ...LATE_CAUSES.map((cause) => row.lateBy[cause])]) },
                  },
                ]}
              />

              <FigureCard
                id="cycle-time"
                title="Order to shipment"
                definition="Time from an order to its last shipment, per tier, over orders fully shipped in the range: the median and the 90th percentile, as the upper bound of their hour band."
                empty={data.cycle.every((row) => row.orders === 0)}
                chart={
                  <KpiBarChart
                    id="cycle-time"
                    label={`Median and 90th percentile hours from order to shipment per tier, ${title}`}
                    categories={tierNames}
                    series={[
                      { key: "median", label: "Median (h)", values: per(data.cycle, (row) => row.medianHours) },
                      { key: "p90", label: "90th percentile (h)", values: per(data.cycle, (row) => row.p90Hours) },
                    ]}
                  />
                }
                tables={[{ id: "cycle-time", caption: "order to shipment times", table: { headings: ["Tier", "Orders shipped", "Median", "90th percentile"], rows: data.cycle.map((row) => [tierName(row.tierKey), row.orders, hours(row.medianHours), hours(row.p90Hours)]) } }]}
              />

              <FigureCard
                id="service-cost"
                title="Service cost against extra revenue"
                definition={`Per month and tier above the first: priority handling (the tier's orders × the handling cost per order you set on its lane in Promise settings, in ${data.currency}) plus priority supply (awarded supplier prices above their usual cost), against the revenue kept above what as many members of the first tier brought.`}
                empty={data.service.length === 0}
                chart={
                  <KpiBarChart
                    id="service-cost"
                    label={`Service cost and extra revenue per tier, ${title}`}
                    categories={serviceByTier.map((s) => s.tier.name)}
                    series={[
                      { key: "cost", label: "Service cost", values: serviceByTier.map((s) => s.cost) },
                      { key: "extra", label: "Extra revenue", values: serviceByTier.map((s) => s.extra) },
                    ] satisfies ChartSeries[]}
                    formatTick={moneyTick}
                    minScale={100}
                  />
                }
                tables={[
                  {
                    id: "service-cost",
                    caption: "service cost and extra revenue per month",
                    table: {
                      headings: ["Month", "Tier", "Orders", "Handling cost", "Supply cost", "Extra revenue"],
                      rows: data.service.map((row) => [row.month, tierName(row.tierKey), row.orders, money(row.handlingCostMinor), money(row.supplyCostMinor), money(row.extraRevenueMinor)]),
                      numeric: [false, false, true, true, true, true],
                    },
                  },
                ]}
              />
              {!data.handlingCostSet && (
                <Banner tone="info" title="No handling cost set">
                  <p>Priority handling counts as free until you set a handling cost per order on each priority tier's lane in <Link url="/app/promise-settings">Promise settings</Link>.</p>
                </Banner>
              )}

              <FigureCard
                id="rfm"
                title="Recency, frequency and monetary scores"
                definition="Members scored 1 (lowest fifth) to 5 (highest fifth) on days since their last order, orders and revenue kept in the last 12 months; the thresholds table shows which monetary score each tier's entry spend falls in and how many members reach it."
                empty={data.rfm === null || data.rfm.members === 0}
                chart={<KpiBarChart id="rfm" label="Members per monetary score" categories={["1", "2", "3", "4", "5"]} series={[{ key: "members", label: "Members", values: data.rfm?.monetary.map((band) => band.members) ?? [] }]} />}
                tables={[
                  {
                    id: "rfm-monetary",
                    caption: "monetary score bands",
                    table: {
                      headings: ["Score", "Members", "From", "To", "Recency members", "Frequency members"],
                      rows: (data.rfm?.monetary ?? []).map((band, i) => [band.score, band.members, money(band.minMinor), money(band.maxMinor), data.rfm!.recency[i]!.members, data.rfm!.frequency[i]!.members]),
                    },
                  },
                  {
                    id: "rfm-thresholds",
                    caption: "where the tier thresholds cut the scores",
                    table: {
                      headings: ["Tier", "Entry spend", "Monetary score", "Members at or above", "Share"],
                      rows: (data.rfm?.thresholds ?? []).map((cut) => [tierName(cut.tierKey), money(cut.thresholdMinor), cut.monetaryScore, cut.membersAtOrAbove, percent(cut.shareAtOrAbove)]),
                    },
                  },
                ]}
              />
            </BlockStack>
          </div>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
