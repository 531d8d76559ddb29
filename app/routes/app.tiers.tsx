// Tier rules: edit the tiers and what counts as spend, preview what a change
// would do to members (from the ledger), save and watch everyone be recomputed.
import { useEffect, useMemo, useRef, useState } from "react";
import { SaveBar, useAppBridge } from "@shopify/app-bridge-react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import {
  Badge, Banner, BlockStack, Box, Button, Card, Checkbox, Divider, FormLayout, InlineGrid, InlineStack, Layout, List, Page, ProgressBar, Select, Text, TextField,
} from "@shopify/polaris";
import { db } from "../db.server.ts";
import { formatMoney } from "../domain/money.ts";
import { suggestedTierTag } from "../domain/tier-tags.ts";
import { authenticate } from "../shopify.server.ts";
import { loadTierRulesOverview, submitTierRulesDraft, type TierDraft, type TierRulesDraft, type TierRulesSubmission } from "../use-cases/tier-rules-admin.server.ts";
import { rulesRecomputeRequester } from "../use-cases/request-tier-recompute.server.ts";
import { shopFormatFor } from "../use-cases/shop-format.server.ts";
import { formatCount, plural } from "../use-cases/admin-formatting.ts";
import { ThresholdCurrencyBanner } from "../components/threshold-currency-banner.tsx";
import { describeIssue, plainIssueMessage } from "../components/tier-rules-issues.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [overview, format] = await Promise.all([loadTierRulesOverview(db, session.shop), shopFormatFor(db, session.shop, request)]);
  return json({ ...overview, locale: format.locale });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = form.get("intent") === "save" ? "save" : "preview";
  let draft: TierRulesDraft;
  try {
    draft = JSON.parse(String(form.get("draft") ?? "")) as TierRulesDraft;
  } catch {
    return json({ intent, ok: false, issues: [{ path: "", message: "The form could not be read; reload the page." }] } satisfies TierRulesSubmission, { status: 400 });
  }
  const result = await submitTierRulesDraft({
    db,
    shop: session.shop,
    intent,
    draft,
    edited: typeof form.get("edited") === "string" ? String(form.get("edited")) : null,
    now: new Date(),
    requestRulesRecompute: rulesRecomputeRequester(),
  });
  return json(result, { status: result.ok ? 200 : 422 });
};

const WINDOW_OPTIONS = [
  { label: "Trailing days (rolling window)", value: "trailing_days" },
  { label: "Calendar year", value: "calendar_year" },
  { label: "Lifetime", value: "lifetime" },
];

function tierKeyFor(name: string, taken: string[]): string {
  const base = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "tier";
  let key = base;
  for (let i = 2; taken.includes(key); i++) key = `${base}-${i}`;
  return key;
}

export default function TierRulesPage() {
  const data = useLoaderData<typeof loader>();
  const fetcher = useFetcher<TierRulesSubmission>();
  const revalidator = useRevalidator();
  const [draft, setDraft] = useState<TierRulesDraft>(data.draft);
  const [previewedFor, setPreviewedFor] = useState<string | null>(null);
  // The field changed last: an issue between two fields (Silver above Gold) marks the one edited.
  const [edited, setEdited] = useState<string | null>(null);
  // Save asked for before a preview of these rules: preview first, then save or ask to confirm downgrades.
  const [saveAfterPreview, setSaveAfterPreview] = useState(false);
  const [confirmDowngrade, setConfirmDowngrade] = useState(false);
  const shopify = useAppBridge();
  const previewRef = useRef<HTMLDivElement>(null);
  // App Bridge's save bar exists only in the browser: rendered after hydration, so the server's HTML matches.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  // Unconfirmed thresholds are edited, and saved, in the shop's currency: saving confirms them.
  const pending = data.thresholdCurrency.confirmed ? null : data.thresholdCurrency;
  const currency = pending?.shopCurrency ?? data.rules.currency;
  const serialized = JSON.stringify(draft);
  const result = fetcher.data;
  const busy = fetcher.state !== "idle";
  const issues = result && !result.ok ? result.issues : [];
  const preview = result && result.ok && result.intent === "preview" ? result.preview : null;
  const saved = result && result.ok && result.intent === "save" ? result.saved : null;
  const issueFor = (path: string) => {
    const message = issues.find((i) => i.path === path)?.message;
    return message && plainIssueMessage(message);
  };

  // A new version of the rules (after a save) becomes the starting point of the next edit.
  useEffect(() => {
    setDraft(data.draft);
  }, [data.version]);

  // While the recomputation runs, read its progress again every second (the job counts each page
  // of customers as it is saved); the poll stops when the run is done.
  const recomputing = data.recompute !== null;
  const revalidate = useRef(revalidator);
  revalidate.current = revalidator;
  useEffect(() => {
    if (!recomputing) return;
    const timer = setInterval(() => revalidate.current.state === "idle" && revalidate.current.revalidate(), 1_000);
    return () => clearInterval(timer);
  }, [recomputing]);

  useEffect(() => {
    if (!preview) return;
    setPreviewedFor(serialized);
    // Shown where it cannot be missed, on a phone too: the preview sits below the form.
    previewRef.current?.scrollIntoView({ behavior: "smooth", block: "start" });
    if (saveAfterPreview) {
      setSaveAfterPreview(false);
      if (preview.movedDown > 0) setConfirmDowngrade(true);
      else submit("save", true);
    }
  }, [preview]);
  const previewIsCurrent = preview !== null && previewedFor === serialized;

  useEffect(() => {
    if (!result) return;
    if (result.ok && result.intent === "save") {
      setConfirmDowngrade(false);
      shopify.toast.show(`Tier rules saved: recomputing ${plural(result.saved.customers, "member", "members", data.locale)}`);
    } else if (!result.ok && (result.intent === "save" || saveAfterPreview)) {
      setSaveAfterPreview(false);
      shopify.toast.show("Nothing was saved: fix the fields marked in red", { isError: true });
    }
  }, [result]);

  const FIELD_PATHS: Record<string, string> = { windowDays: "window.days", timeZone: "window.timeZone", graceDays: "graceDays" };
  const update = (patch: Partial<TierRulesDraft>) => {
    setEdited(FIELD_PATHS[Object.keys(patch)[0]] ?? null);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const TIER_PATHS: Record<string, string> = { threshold: "entryThresholdMinor", retainThreshold: "retainThresholdMinor", minOrders: "minOrders", name: "name", tag: "tag" };
  const savedKeys = data.rules.tiers.map((t) => t.key);
  const updateTier = (index: number, patch: Partial<TierDraft>) => {
    setEdited(`tiers.${index}.${TIER_PATHS[Object.keys(patch)[0]] ?? ""}`);
    setDraft((d) => ({
      ...d,
      tiers: d.tiers.map((t, i) => {
        if (i !== index) return t;
        const next = { ...t, ...patch };
        // A tier not saved yet takes its key (and, unless edited, its tag) from its name.
        if (patch.name !== undefined && !savedKeys.includes(t.key)) {
          next.key = tierKeyFor(patch.name, d.tiers.filter((_, j) => j !== i).map((o) => o.key));
          if (t.tag === suggestedTierTag(t.key)) next.tag = suggestedTierTag(next.key);
        }
        return next;
      }),
    }));
  };
  const addTier = () =>
    setDraft((d) => {
      const name = "New tier";
      const key = tierKeyFor(name, d.tiers.map((t) => t.key));
      return { ...d, tiers: [...d.tiers, { key, name, threshold: "", minOrders: "", retainThreshold: "", tag: suggestedTierTag(key) }] };
    });
  const removeTier = (index: number) => setDraft((d) => ({ ...d, tiers: d.tiers.filter((_, i) => i !== index) }));
  const submit = (intent: "preview" | "save", confirmed = false) => {
    // A save that would move members down is confirmed first, against a preview of exactly these rules.
    if (intent === "save" && !confirmed && !pending) {
      if (!previewIsCurrent) {
        setSaveAfterPreview(true);
        fetcher.submit({ intent: "preview", draft: serialized, edited: edited ?? "" }, { method: "post" });
        return;
      }
      if (preview && preview.movedDown > 0) {
        setConfirmDowngrade(true);
        previewRef.current?.scrollIntoView({ behavior: "smooth", block: "start" });
        return;
      }
    }
    fetcher.submit({ intent, draft: serialized, edited: edited ?? "" }, { method: "post" });
  };
  const discard = () => {
    setDraft(data.draft);
    setConfirmDowngrade(false);
    setSaveAfterPreview(false);
  };

  const nameBefore = (key: string) => preview?.tierNames.before[key] ?? key;
  const nameAfter = (key: string) => preview?.tierNames.after[key] ?? key;
  const changed = useMemo(() => serialized !== JSON.stringify(data.draft), [serialized, data.draft]);

  return (
    <>
    {/* App Bridge's Contextual Save Bar, while the form holds changes not saved. */}
    {mounted && (
      <SaveBar id="tier-rules-save-bar" open={changed && !busy}>
        <button variant="primary" onClick={() => submit("save")}>Save</button>
        <button onClick={discard}>Discard</button>
      </SaveBar>
    )}
    <Page
      title="Tier rules"
      subtitle={`Thresholds in ${currency}. Upgrades are immediate; downgrades wait out the grace period, unless a refund or cancellation took the upgrade back.`}
      primaryAction={{ content: pending ? `Confirm in ${currency}` : "Save and recompute", disabled: (!changed && !pending) || busy, loading: busy && fetcher.formData?.get("intent") === "save", onAction: () => submit("save") }}
      secondaryActions={[{ content: "Preview changes", disabled: busy, onAction: () => submit("preview") }]}
    >
      <Layout>
        {pending && (
          <Layout.Section>
            <ThresholdCurrencyBanner status={pending} onRulesPage />
          </Layout.Section>
        )}
        {data.recompute && (
          <Layout.Section>
            <Card>
              <div data-testid="tier-recompute-progress">
                <BlockStack gap="200">
                  <Text as="h2" variant="headingSm">Recomputing members with the new rules</Text>
                  <ProgressBar progress={Math.round((data.recompute.done / Math.max(1, data.recompute.total)) * 100)} tone="primary" />
                  <Text as="p" tone="subdued">{`${formatCount(data.recompute.done, data.locale)} of ${formatCount(data.recompute.total, data.locale)} customers`}</Text>
                </BlockStack>
              </div>
            </Card>
          </Layout.Section>
        )}
        {saved && (
          <Layout.Section>
            <Banner tone="success" title="Rules saved">
              <p>{`Version ${saved.version}. Recomputing ${plural(saved.customers, "customer", "customers", data.locale)}; tags and metafields follow.`}</p>
            </Banner>
          </Layout.Section>
        )}
        {issues.length > 0 && (
          <Layout.Section>
            <Banner tone="critical" title="Some rules need fixing">
              <List>
                {issues.map((issue) => (
                  <List.Item key={`${issue.path}:${issue.message}`}>{describeIssue(issue, draft.tiers.map((t) => t.name))}</List.Item>
                ))}
              </List>
            </Banner>
          </Layout.Section>
        )}

        <Layout.Section>
          <BlockStack gap="400">
            {draft.tiers.map((tier, i) => (
              <Card key={i}>
                <BlockStack gap="300">
                  <InlineStack align="space-between" blockAlign="center">
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="h2" variant="headingMd">{tier.name || "Unnamed tier"}</Text>
                      <Badge>{plural(data.tierCounts[tier.key] ?? 0, "member", "members", data.locale)}</Badge>
                    </InlineStack>
                    {i > 0 && draft.tiers.length > 2 && (
                      <Button variant="plain" tone="critical" onClick={() => removeTier(i)}>Remove</Button>
                    )}
                  </InlineStack>
                  <FormLayout>
                    <FormLayout.Group>
                      <TextField label="Name" value={tier.name} onChange={(name) => updateTier(i, { name })} autoComplete="off" error={issueFor(`tiers.${i}.name`)} />
                      <TextField label="Customer tag" value={tier.tag} onChange={(tag) => updateTier(i, { tag })} autoComplete="off" helpText="Starts with tierline:" error={issueFor(`tiers.${i}.tag`)} />
                    </FormLayout.Group>
                    <FormLayout.Group>
                      <TextField
                        label="Entry threshold"
                        value={tier.threshold}
                        onChange={(threshold) => updateTier(i, { threshold })}
                        prefix={currency}
                        disabled={i === 0}
                        helpText={i === 0 ? "Everyone starts here" : "Spend at or above this"}
                        autoComplete="off"
                        error={issueFor(`tiers.${i}.entryThresholdMinor`)}
                      />
                      <TextField
                        label="Minimum orders"
                        type="number"
                        value={tier.minOrders}
                        onChange={(minOrders) => updateTier(i, { minOrders })}
                        disabled={i === 0}
                        autoComplete="off"
                        error={issueFor(`tiers.${i}.minOrders`)}
                      />
                      <TextField
                        label="Keep tier while spend stays above"
                        value={tier.retainThreshold}
                        onChange={(retainThreshold) => updateTier(i, { retainThreshold })}
                        prefix={currency}
                        disabled={i === 0}
                        helpText="Optional, below the entry threshold"
                        autoComplete="off"
                        error={issueFor(`tiers.${i}.retainThresholdMinor`)}
                      />
                    </FormLayout.Group>
                  </FormLayout>
                </BlockStack>
              </Card>
            ))}
            <InlineStack gap="200">
              {draft.tiers.length < 5 && <Button onClick={addTier}>Add a tier</Button>}
              {/* Also here, where a phone's header folds its actions into a menu. */}
              <Button onClick={() => submit("preview")} disabled={busy}>Preview who moves</Button>
            </InlineStack>
          </BlockStack>
        </Layout.Section>

        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">What counts as spend</Text>
              <Select label="Spend window" options={WINDOW_OPTIONS} value={draft.windowKind} onChange={(windowKind) => update({ windowKind: windowKind as TierRulesDraft["windowKind"] })} />
              {draft.windowKind === "trailing_days" && (
                <TextField label="Days" type="number" value={draft.windowDays} onChange={(windowDays) => update({ windowDays })} autoComplete="off" error={issueFor("window.days")} />
              )}
              {draft.windowKind === "calendar_year" && (
                <TextField label="Time zone" value={draft.timeZone} onChange={(timeZone) => update({ timeZone })} autoComplete="off" error={issueFor("window.timeZone")} />
              )}
              <TextField
                label="Grace period before a downgrade (days)"
                type="number"
                value={draft.graceDays}
                onChange={(graceDays) => update({ graceDays })}
                autoComplete="off"
                error={issueFor("graceDays")}
              />
              <Checkbox
                label="Take back upgrades when the money is returned"
                helpText="When a refund or cancellation returns the money that moved a customer up, they move back down right away. The grace period is for members whose older orders leave the spend window, or whom a change to these rules moves down."
                checked={draft.reverseRefundedUpgrades !== false}
                onChange={(reverseRefundedUpgrades) => update({ reverseRefundedUpgrades })}
              />
              <Checkbox label="Shipping counts as spend" checked={draft.countShipping} onChange={(countShipping) => update({ countShipping })} />
              <Checkbox
                label="Tax counts as spend"
                helpText="Where prices include tax, leaving this off takes the tax out of what was paid."
                checked={draft.countTax}
                onChange={(countTax) => update({ countTax })}
              />
              <Checkbox
                label="Tips count as spend"
                helpText="A tip is for your staff, not a purchase; leave off to count only what was bought."
                checked={draft.countTips}
                onChange={(countTips) => update({ countTips })}
              />
              <Checkbox
                label="Duties count as spend"
                helpText="Import duties go to customs; leave off to count only what was bought."
                checked={draft.countDuties}
                onChange={(countDuties) => update({ countDuties })}
              />
              <Text as="p" tone="subdued">
                Only money received and kept counts: an order counts once it is paid (unpaid, authorized-only and voided orders count nothing), a partly paid order counts the part paid so far, and buying a gift card does not count (spending one does).
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>

        {preview && (
          <Layout.Section>
            <div ref={previewRef} style={{ scrollMarginTop: "1rem" }}>
            <Card>
              <BlockStack gap="300">
                {confirmDowngrade && previewIsCurrent && (
                  <Banner tone="warning" title={`${preview.movedDown} ${preview.movedDown === 1 ? "member moves" : "members move"} down with these rules`}>
                    <BlockStack gap="200">
                      <p>Members who move down lose their tier's perks and delivery promise after the grace period. Save anyway?</p>
                      <InlineStack gap="200">
                        <Button variant="primary" tone="critical" onClick={() => submit("save", true)} loading={busy}>Save and move them down</Button>
                        <Button onClick={() => setConfirmDowngrade(false)}>Keep editing</Button>
                      </InlineStack>
                    </BlockStack>
                  </Banner>
                )}
                <InlineStack align="space-between">
                  <Text as="h2" variant="headingMd">Preview</Text>
                  {!previewIsCurrent && <Badge tone="attention">Rules changed since this preview</Badge>}
                </InlineStack>
                <InlineGrid columns={4} gap="300">
                  <Stat label="Customers" value={preview.members} />
                  <Stat label="Move up" value={preview.movedUp} tone="success" />
                  <Stat label="Move down" value={preview.movedDown} tone="critical" />
                  <Stat label="Pinned (stay)" value={preview.pinned} />
                </InlineGrid>
                <Divider />
                <Text as="h3" variant="headingSm">Members per tier</Text>
                <List>
                  {Object.entries(preview.tierCounts.after).map(([key, count]) => (
                    <List.Item key={key}>
                      {nameAfter(key)}: {preview.tierCounts.before[key] ?? 0} → {count}
                    </List.Item>
                  ))}
                </List>
                {preview.movements.length === 0 ? (
                  <Text as="p" tone="subdued">Nobody changes tier.</Text>
                ) : (
                  <BlockStack gap="200">
                    {preview.movements.map((m) => (
                      <Box key={`${m.fromTierKey}-${m.toTierKey}`} padding="200" background="bg-surface-secondary" borderRadius="200">
                        <Text as="p">
                          <Badge tone={m.direction === "up" ? "success" : "critical"}>{m.direction === "up" ? "Up" : "Down"}</Badge>{" "}
                          {m.count} from {nameBefore(m.fromTierKey)} to {nameAfter(m.toTierKey)}
                        </Text>
                        <Text as="p" tone="subdued">
                          e.g. {m.examples.map((e) => `${preview.names[e.customerId] ?? "a customer without a name"} (${formatMoney(e.spendUnderNewRulesMinor, currency)} ${currency})`).join(", ")}
                        </Text>
                      </Box>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
            </div>
          </Layout.Section>
        )}
      </Layout>
    </Page>
    </>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone?: "success" | "critical" }) {
  return (
    <BlockStack gap="100">
      <Text as="p" tone="subdued">{label}</Text>
      <Text as="p" variant="headingLg" tone={tone}>{String(value)}</Text>
    </BlockStack>
  );
}
