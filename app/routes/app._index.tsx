// Overview: members per tier, the history import with its progress, and what
// Tierline cannot see (history beyond 60 days without read_all_orders).
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, InlineGrid, InlineStack, Layout, Page, ProgressBar, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { createLogger } from "../logger.server.ts";
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { backfillJobs } from "../adapters/queues/backfill-jobs.server.ts";
import { requestBackfill } from "../use-cases/backfill-order-history.server.ts";
import { loadOverview } from "../use-cases/overview-admin.server.ts";
import { dismissFailedDeliveries, retryFailedDeliveries } from "../use-cases/failed-deliveries.server.ts";
import { ThresholdCurrencyBanner } from "../components/threshold-currency-banner.tsx";
import { FailedDeliveriesBanner, FailedDeliveriesOutcome } from "../components/failed-deliveries-banner.tsx";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadOverview(db, session.shop);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  // Made here, not at module level: the route module also runs in the browser, where server modules are empty.
  const log = createLogger("overview");
  const form = await request.formData();
  const intent = form.get("intent");
  // The shop is the session's, never the form's: a merchant acts on their own deliveries only.
  if (intent === "retry-failed-deliveries") {
    try {
      const result = await retryFailedDeliveries({ db, webhooks: jobQueues().webhooks }, session.shop);
      log.info("failed deliveries retried", { shop: session.shop, ...result });
      return json({ intent: "retry-failed-deliveries" as const, ok: true as const, ...result });
    } catch (error) {
      // Rows already re-opened are queued by the sweep within minutes.
      log.warn("failed deliveries: retry could not queue", { shop: session.shop, error: error instanceof Error ? error.message : String(error) });
      return json({ intent: "retry-failed-deliveries" as const, ok: false as const, message: "Tierline could not queue the updates right now. Those it could reopen will be retried automatically within a few minutes; otherwise try again." }, { status: 503 });
    }
  }
  if (intent === "dismiss-failed-deliveries") {
    const result = await dismissFailedDeliveries(db, session.shop);
    log.info("failed deliveries dismissed", { shop: session.shop, ...result });
    return json({ intent: "dismiss-failed-deliveries" as const, ok: true as const, ...result });
  }
  const run = await requestBackfill({ db, jobs: backfillJobs(jobQueues()) }, session.shop);
  return json({ intent: "reimport" as const, ok: true as const, runId: run.id });
};

const ACTIVE = new Set(["requested", "running", "downloading", "computing"]);

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const fetcher = useFetcher<typeof action>();
  const deliveries = useFetcher<typeof action>({ key: "failed-deliveries" });
  const revalidator = useRevalidator();
  const importing = data.backfill !== null && ACTIVE.has(data.backfill.status);

  // Follow the import while it runs.
  useEffect(() => {
    if (!importing) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2_000);
    return () => clearInterval(timer);
  }, [importing, revalidator]);

  const total = data.backfill?.ordersTotal ?? null;
  const progress = data.backfill ? (total ? Math.min(100, Math.round((data.backfill.ordersRead / total) * 100)) : data.backfill.status === "completed" ? 100 : 0) : 0;

  return (
    <Page title="Tierline">
      <Layout>
        {!data.thresholdCurrency.confirmed && (
          <Layout.Section>
            <ThresholdCurrencyBanner status={data.thresholdCurrency} />
          </Layout.Section>
        )}
        {data.unvaluedOrders > 0 && (
          <Layout.Section>
            <Banner tone="info" title={`${data.unvaluedOrders} ${data.unvaluedOrders === 1 ? "order is" : "orders are"} left out of tiers`}>
              <p>
                {data.unvaluedOrders === 1 ? "It was" : "They were"} charged in a currency other than {data.currency}, the currency of your tier thresholds, so Tierline cannot weigh {data.unvaluedOrders === 1 ? "it" : "them"} against the thresholds and does not count {data.unvaluedOrders === 1 ? "it" : "them"}.
              </p>
            </Banner>
          </Layout.Section>
        )}
        {!data.allOrdersAccess && (
          <Layout.Section>
            <Banner tone="warning" title="Order history is limited to the last 60 days">
              <p>Shopify has not granted Tierline the read_all_orders scope, so tiers only count orders from the last 60 days. Tiers will be recomputed once the scope is granted.</p>
            </Banner>
          </Layout.Section>
        )}
        {deliveries.data && deliveries.state === "idle" && (deliveries.data.intent === "retry-failed-deliveries" || deliveries.data.intent === "dismiss-failed-deliveries") && (
          <Layout.Section>
            <FailedDeliveriesOutcome outcome={deliveries.data} />
          </Layout.Section>
        )}
        {data.failedDeliveries.count > 0 && data.failedDeliveries.latest && (
          <Layout.Section>
            <FailedDeliveriesBanner
              count={data.failedDeliveries.count}
              retryable={data.failedDeliveries.retryable}
              latest={data.failedDeliveries.latest}
              busy={deliveries.state !== "idle" ? (deliveries.formData?.get("intent") as string | undefined) ?? null : null}
              onRetry={() => deliveries.submit({ intent: "retry-failed-deliveries" }, { method: "post" })}
              onDismiss={() => deliveries.submit({ intent: "dismiss-failed-deliveries" }, { method: "post" })}
            />
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">Members per tier</Text>
              {/* A phone holds three counts a row; wider screens all of them. */}
              <InlineGrid columns={{ xs: Math.min(3, Math.max(2, data.tiers.length)), md: Math.max(2, data.tiers.length) }} gap="300">
                {data.tiers.map((tier) => (
                  <BlockStack key={tier.key} gap="100">
                    <Text as="p" tone="subdued">{tier.name}</Text>
                    <Text as="p" variant="headingLg">{tier.members.toLocaleString("en-US")}</Text>
                  </BlockStack>
                ))}
              </InlineGrid>
              {(data.pendingSync > 0 || data.failedSync > 0) && (
                <Text as="p" tone="subdued">
                  {data.pendingSync} waiting to be written to Shopify{data.failedSync > 0 ? `, ${data.failedSync} being retried` : ""}.
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">Order history</Text>
                {data.backfill && <Badge tone={data.backfill.status === "completed" ? "success" : data.backfill.status === "failed" ? "critical" : "info"}>{data.backfill.status}</Badge>}
              </InlineStack>
              {data.backfill ? (
                <>
                  <ProgressBar progress={progress} tone={data.backfill.status === "failed" ? "critical" : "primary"} />
                  <Text as="p">
                    {data.backfill.ordersRead} orders read{total !== null ? ` of ${total}` : ""}
                    {data.backfill.historyLimited ? " (last 60 days only)" : ""}.
                  </Text>
                  {data.backfill.error && <Text as="p" tone="critical">{data.backfill.error}</Text>}
                </>
              ) : (
                <Text as="p" tone="subdued">The order history has not been imported yet.</Text>
              )}
              <InlineStack>
                <Button onClick={() => fetcher.submit({}, { method: "post" })} disabled={importing} loading={fetcher.state !== "idle"}>
                  Re-import order history
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
