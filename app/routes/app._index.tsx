// Overview, the app's home: members per tier with the trend, recent tier changes,
// members close to the next tier, what failed and why, the history import in plain
// words (re-import after a confirmation), and the setup steps for a new shop.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import {
  Badge, Banner, BlockStack, Box, Button, Card, Divider, InlineGrid, InlineStack, Layout, Link, List, Modal, Page, ProgressBar, Text,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { createLogger } from "../logger.server.ts";
import { jobQueues } from "../adapters/queues/queues.server.ts";
import { backfillJobs } from "../adapters/queues/backfill-jobs.server.ts";
import { requestBackfill } from "../use-cases/backfill-order-history.server.ts";
import { loadOverview } from "../use-cases/overview-admin.server.ts";
import { shopFormatFor } from "../use-cases/shop-format.server.ts";
import { dismissFailedDeliveries, retryFailedDeliveries } from "../use-cases/failed-deliveries.server.ts";
import { ThresholdCurrencyBanner } from "../components/threshold-currency-banner.tsx";
import { FailedDeliveriesBanner, FailedDeliveriesOutcome } from "../components/failed-deliveries-banner.tsx";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadOverview(db, session.shop, await shopFormatFor(db, session.shop, request));
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
  const [confirmImport, setConfirmImport] = useState(false);
  const importing = data.backfill !== null && ACTIVE.has(data.backfill.status);

  // Follow the import while it runs.
  useEffect(() => {
    if (!importing) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2_000);
    return () => clearInterval(timer);
  }, [importing, revalidator]);

  const total = data.backfill?.ordersTotal ?? null;
  const progress = data.backfill ? (total ? Math.min(100, Math.round((data.backfill.ordersRead / total) * 100)) : data.backfill.status === "completed" ? 100 : 0) : 0;
  const reimport = () => {
    setConfirmImport(false);
    fetcher.submit({ intent: "reimport" }, { method: "post" });
  };

  const notices = (
    <>
      {!data.thresholdCurrency.confirmed && (
        <Layout.Section>
          <ThresholdCurrencyBanner status={data.thresholdCurrency} />
        </Layout.Section>
      )}
      {data.unvaluedOrders > 0 && (
        <Layout.Section>
          <Banner tone="info" title={`${data.unvaluedLabel} left out of tiers`}>
            <p>
              {data.unvaluedOrders === 1 ? "It was" : "They were"} charged in a currency other than {data.currency}, the currency of your tier thresholds, so Tierline cannot weigh {data.unvaluedOrders === 1 ? "it" : "them"} against the thresholds and does not count {data.unvaluedOrders === 1 ? "it" : "them"}.
            </p>
          </Banner>
        </Layout.Section>
      )}
      {!data.allOrdersAccess && (
        <Layout.Section>
          <Banner tone="warning" title="Tiers see only the last 60 days of orders" action={{ content: "Review the spend window", url: "/app/tiers" }}>
            <BlockStack gap="200">
              <p>Shopify lets an app read orders older than 60 days only with the “read all orders” permission, which Shopify grants to the app on request. Until it does, Tierline counts only recent orders, so long-standing customers may sit in a lower tier than they have earned.</p>
              <List>
                <List.Item>Set a spend window of 60 days or less on the Tier rules page, so every member is judged on orders Tierline can see.</List.Item>
                <List.Item>Or pin your best-known customers to their tier from their member page, or add an offline spend adjustment.</List.Item>
                <List.Item>When Shopify grants the permission, you will be asked to approve it the next time you open Tierline; the full history is then imported on its own.</List.Item>
              </List>
            </BlockStack>
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
      {data.failedSync && (
        <Layout.Section>
          <Banner tone="warning" title={data.failedSync.title}>
            <p>
              {data.failedSync.reason}
              {data.failedSync.example && (
                <>
                  {" "}Latest: <Link url={`/app/members/${data.failedSync.example.id}`}>{data.failedSync.example.name}</Link>.
                </>
              )}
            </p>
          </Banner>
        </Layout.Section>
      )}
    </>
  );

  const history = (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h2" variant="headingMd">Order history</Text>
          {data.backfill && <Badge tone={data.backfill.words.tone}>{data.backfill.words.title}</Badge>}
        </InlineStack>
        {data.backfill ? (
          <>
            {data.backfill.status !== "completed" && <ProgressBar progress={progress} tone={data.backfill.status === "failed" ? "critical" : "primary"} size="small" />}
            <Text as="p">{data.backfill.words.detail}</Text>
          </>
        ) : (
          <Text as="p" tone="subdued">Your order history has not been imported yet. It starts on its own after installing; you can also start it here.</Text>
        )}
        <InlineStack>
          <Button onClick={() => (data.backfill ? setConfirmImport(true) : reimport())} disabled={importing} loading={fetcher.state !== "idle"}>
            {data.backfill ? "Re-import order history" : "Import order history"}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );

  const confirm = (
    <Modal
      open={confirmImport}
      onClose={() => setConfirmImport(false)}
      title="Re-import your order history?"
      primaryAction={{ content: "Re-import", onAction: reimport }}
      secondaryActions={[{ content: "Cancel", onAction: () => setConfirmImport(false) }]}
    >
      <Modal.Section>
        <BlockStack gap="200">
          <p>Tierline reads every order again from Shopify and recomputes every member's tier. Members keep their tiers meanwhile; anyone whose tier changes gets the new tag and metafields.</p>
          <p>This is only needed if tiers look wrong (for example after Shopify granted access to older orders). A large store can take several minutes.</p>
        </BlockStack>
      </Modal.Section>
    </Modal>
  );

  if (data.isNew) {
    const steps = [
      { done: data.backfill?.status === "completed", title: "Import your order history", detail: data.backfill ? `${data.backfill.words.title}. ${data.backfill.words.detail}` : "Tierline reads your past orders to place each customer in a tier." },
      { done: data.thresholdCurrency.confirmed, title: "Check your tiers", detail: `${data.tiers.map((t) => `${t.name}: ${t.threshold}`).join(" · ")}. Change names, thresholds and the spend window on the Tier rules page.`, url: "/app/tiers" },
      { done: false, title: "Use tiers in Shopify", detail: "Each member gets a customer tag (tierline:gold) and metafields that Flow, email, discounts and your theme can use." },
    ];
    return (
      <Page title="Tierline">
        <Layout>
          {notices}
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingLg">Welcome to Tierline</Text>
                <Text as="p">Tierline turns what customers spend into member tiers and keeps them up to date as orders, refunds and cancellations come in. Three steps to get going:</Text>
                {steps.map((step, i) => (
                  <BlockStack key={step.title} gap="100">
                    {i > 0 && <Divider />}
                    <InlineStack gap="200" blockAlign="center" wrap={false}>
                      <Badge tone={step.done ? "success" : undefined}>{step.done ? "Done" : `Step ${i + 1}`}</Badge>
                      <Text as="h3" variant="headingSm">{step.url ? <Link url={step.url}>{step.title}</Link> : step.title}</Text>
                    </InlineStack>
                    <Text as="p" tone="subdued">{step.detail}</Text>
                  </BlockStack>
                ))}
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>{history}</Layout.Section>
        </Layout>
        {confirm}
      </Page>
    );
  }

  return (
    <Page title="Tierline" subtitle={data.membersLabel}>
      <Layout>
        {notices}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">Members per tier</Text>
                <Link url="/app/members">All members</Link>
              </InlineStack>
              {/* A phone holds three counts a row; wider screens all of them. */}
              <InlineGrid columns={{ xs: Math.min(3, Math.max(2, data.tiers.length)), md: Math.max(2, data.tiers.length) }} gap="300">
                {data.tiers.map((tier) => (
                  <BlockStack key={tier.key} gap="050">
                    <Text as="p" tone="subdued">{tier.name}</Text>
                    <Text as="p" variant="headingLg">{tier.count}</Text>
                    <Text as="p" variant="bodySm" tone={tier.trendTone === "subdued" ? "subdued" : tier.trendTone}>{tier.trend}</Text>
                    <Link url={`/app/members?tier=${tier.key}`}>{tier.threshold}</Link>
                  </BlockStack>
                ))}
              </InlineGrid>
              {data.pendingSyncLabel && <Text as="p" tone="subdued">{data.pendingSyncLabel}</Text>}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">Recent tier changes</Text>
                {data.recentChanges.length === 0 ? (
                  <Text as="p" tone="subdued">No tier changes yet.</Text>
                ) : (
                  <BlockStack gap="200">
                    {data.recentChanges.map((c, i) => (
                      <Box key={`${c.id}-${i}`}>
                        <InlineStack align="space-between" gap="200" wrap>
                          <Link url={`/app/members/${c.id}`}>{c.name}</Link>
                          <Badge tone={c.up ? "success" : "attention"}>{c.change}</Badge>
                        </InlineStack>
                        <Text as="p" variant="bodySm" tone="subdued">{c.when} · {c.reason}</Text>
                      </Box>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">Close to the next tier</Text>
                {data.closeToNext.length === 0 ? (
                  <Text as="p" tone="subdued">Nobody is within reach of the next tier right now.</Text>
                ) : (
                  <BlockStack gap="200">
                    {data.closeToNext.map((m) => (
                      <InlineStack key={m.id} align="space-between" gap="200" wrap>
                        <Link url={`/app/members/${m.id}`}>{m.name}</Link>
                        <Text as="span" tone="subdued">{m.toGo}</Text>
                      </InlineStack>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>{history}</Layout.Section>
      </Layout>
      {confirm}
    </Page>
  );
}
