// Promise settings: handling time, capacity and handling cost per tier lane, the business calendar
// and holidays, transit per destination, replenishment lead times and priority capacity per SKU,
// with a live preview of what each tier would be promised for an order placed now. Saving stores all of it or, on a bad field, nothing.
import { useEffect, useMemo, useRef, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge, Banner, BlockStack, Box, Button, Card, Checkbox, Divider, FormLayout, InlineGrid, InlineStack, Layout, List, Page, Select, Text, TextField,
} from "@shopify/polaris";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import {
  loadPromiseSettingsPage, readPromiseSettingsDraft, submitPromiseSettings, type LaneDraft, type PromiseSettingsDraft, type PromiseSettingsSubmission,
} from "../use-cases/promise-settings-admin.server.ts";
import { shopLocaleFor } from "../use-cases/promises-admin.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const locale = await shopLocaleFor(db, session.shop, request);
  return json(await loadPromiseSettingsPage({ db, shop: session.shop, now: new Date(), locale }));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = form.get("intent") === "save" ? "save" : "preview";
  const draft = readPromiseSettingsDraft(String(form.get("draft") ?? ""));
  if (!draft) {
    return json({ intent, ok: false, issues: [{ path: "", message: "The form could not be read; reload the page." }], holidays: { countryName: null, subdivisions: [], seeded: [] } } satisfies PromiseSettingsSubmission, { status: 400 });
  }
  const locale = await shopLocaleFor(db, session.shop, request);
  const version = Number(form.get("version"));
  const expectedVersion = form.has("version") && Number.isInteger(version) && version >= 0 ? version : null;
  const result = await submitPromiseSettings({ db, shop: session.shop, intent, draft, now: new Date(), locale, expectedVersion });
  return json(result, { status: result.ok ? 200 : "conflict" in result ? 409 : 422 });
};

const WEEKDAYS = [
  { day: 1, label: "Mon" }, { day: 2, label: "Tue" }, { day: 3, label: "Wed" }, { day: 4, label: "Thu" }, { day: 5, label: "Fri" }, { day: 6, label: "Sat" }, { day: 7, label: "Sun" },
];

const UNIT_OPTIONS = [
  { label: "Business hours", value: "business_hours" },
  { label: "Business days", value: "business_days" },
];

const LANE_FIELDS: Record<string, string> = { "handling.min": "ships at the earliest after", "handling.max": "ships at the latest after", "handling.unit": "handling time in", dailyCapacity: "daily capacity", handlingCostMinor: "handling cost per order", name: "lane name", tierKey: "tier" };
const ROW_FIELDS: Record<string, string> = { zone: "country or region", minDays: "from", maxDays: "to", sku: "SKU", days: "lead time", capacity: "priority capacity", date: "date", name: "name" };
const FIELDS: Record<string, string> = {
  "calendar.cutoff": "Daily order cut-off",
  "calendar.timeZone": "Time zone",
  "calendar.workingDays": "Working days",
  "calendar.holidayRegion.country": "Public holidays",
  "calendar.holidayRegion.subdivision": "Public holidays, region",
  defaultReplenishmentBusinessDays: "Default lead time",
};

/** One line of the issues banner: where the field is (as the form labels it) and what is wrong. */
function describeSettingsIssue(issue: { path: string; message: string }, draft: PromiseSettingsDraft, tierName: (key: string) => string): string {
  const tier = /^Tier "([^"]+)" has no lane$/i.exec(issue.message);
  if (tier) return `${tierName(tier[1])} has no lane yet: one is ready below with the slowest lane's times. Check it and save.`;
  const lane = /^lanes\.(\d+)\.(.+)$/.exec(issue.path);
  const row = /^(transit|skus|calendar\.holidaysAdded)\.(\d+)\.(\w+)$/.exec(issue.path);
  let place = FIELDS[issue.path];
  if (lane) place = `${tierName(draft.lanes[Number(lane[1])]?.tierKey ?? "")}, ${LANE_FIELDS[lane[2]] ?? lane[2]}`;
  else if (row) {
    const i = Number(row[2]);
    const what = row[1] === "transit" ? `Transit to ${draft.transit[i]?.zone || `destination ${i + 1}`}` : row[1] === "skus" ? (draft.skus[i]?.sku ? `SKU ${draft.skus[i].sku}` : `SKU ${i + 1}`) : `Closing day ${i + 1}`;
    place = `${what}, ${ROW_FIELDS[row[3]] ?? row[3]}`;
  }
  return place ? `${place}: ${issue.message}` : issue.message;
}

export default function PromiseSettingsPage() {
  const data = useLoaderData<typeof loader>();
  const save = useFetcher<PromiseSettingsSubmission>();
  const preview = useFetcher<PromiseSettingsSubmission>();
  const revalidator = useRevalidator();
  const [draft, setDraft] = useState<PromiseSettingsDraft>(data.draft);
  const [result, setResult] = useState<PromiseSettingsSubmission | null>(null);
  const serialized = JSON.stringify(draft);
  const changed = useMemo(() => serialized !== JSON.stringify(data.draft), [serialized, data.draft]);
  const busy = save.state !== "idle";
  // Lanes brought in step with changed tiers are worth saving even untouched.
  const canSave = (changed || data.tierIssues.length > 0) && !busy;
  const tierName = (key: string) => data.tiers.find((t) => t.key === key)?.name ?? key;

  // A saved version is the starting point of the next edit.
  useEffect(() => {
    setDraft(data.draft);
    setResult(null);
  }, [data.version]);

  // The preview follows the form: a moment after the last keystroke, the server computes it
  // (and says which fields are wrong) without saving anything.
  const previewSubmit = useRef(preview.submit);
  previewSubmit.current = preview.submit;
  useEffect(() => {
    if (!changed) return;
    const timer = setTimeout(() => previewSubmit.current({ intent: "preview", draft: serialized }, { method: "post" }), 400);
    return () => clearTimeout(timer);
  }, [serialized, changed]);
  useEffect(() => {
    if (preview.data) setResult(preview.data);
  }, [preview.data]);

  const shopify = useAppBridge();
  useEffect(() => {
    if (!save.data) return;
    setResult(save.data);
    if (save.data.ok && save.data.intent === "save") shopify.toast.show(`Promise settings saved (version ${save.data.version})`);
    else if (!save.data.ok) shopify.toast.show("conflict" in save.data ? "Nothing was saved: these settings changed elsewhere" : "Nothing was saved: fix the fields marked in red", { isError: true });
  }, [save.data]);

  const issues = result && !result.ok ? result.issues : [];
  const issueFor = (path: string) => issues.find((i) => i.path === path)?.message;
  const shownPreview = result?.ok ? result.preview : changed ? null : data.preview;
  const previewStale = !result?.ok && changed;
  const holidays = result?.holidays ?? data.holidays;

  const update = (patch: Partial<PromiseSettingsDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const updateLane = (index: number, patch: Partial<LaneDraft>) => setDraft((d) => ({ ...d, lanes: d.lanes.map((l, i) => (i === index ? { ...l, ...patch } : l)) }));
  const updateRow = <K extends "transit" | "skus" | "holidaysAdded">(key: K, index: number, patch: Partial<PromiseSettingsDraft[K][number]>) =>
    setDraft((d) => ({ ...d, [key]: (d[key] as PromiseSettingsDraft[K][number][]).map((row, i) => (i === index ? { ...row, ...patch } : row)) }));
  const removeRow = (key: "transit" | "skus" | "holidaysAdded" | "lanes", index: number) => setDraft((d) => ({ ...d, [key]: (d[key] as unknown[]).filter((_, i) => i !== index) }));
  const toggleDay = (day: number, on: boolean) => update({ workingDays: on ? [...draft.workingDays, day].sort() : draft.workingDays.filter((d) => d !== day) });
  const toggleHoliday = (date: string, closed: boolean) => update({ holidaysRemoved: closed ? draft.holidaysRemoved.filter((d) => d !== date) : [...draft.holidaysRemoved, date] });
  const submitSave = () => save.submit({ intent: "save", draft: serialized, version: String(data.version) }, { method: "post" });
  const number = (value: number) => new Intl.NumberFormat(data.locale).format(value);

  return (
    <Page
      title="Promise settings"
      subtitle="What each tier is promised: handling time, capacity, your calendar and transit."
      primaryAction={{ content: "Save", disabled: !canSave, loading: busy, onAction: submitSave }}
    >
      <Layout>
        <Layout.Section>
          <Banner tone="info">
            <p>Changes apply to orders paid after you save. Promises already made keep their dates{data.saved ? ` (these are version ${number(data.version)} of your settings)` : ""}.</p>
          </Banner>
        </Layout.Section>
        {data.tierIssues.length > 0 && (
          <Layout.Section>
            <Banner tone="warning" title="Your tiers changed since these settings were saved">
              <List>
                {data.tierIssues.map((issue) => (
                  <List.Item key={`${issue.path}:${issue.message}`}>{describeSettingsIssue(issue, draft, tierName)}</List.Item>
                ))}
              </List>
              <p>Check the lanes below and save.</p>
            </Banner>
          </Layout.Section>
        )}
        {result && !result.ok && "conflict" in result && (
          <Layout.Section>
            <Banner tone="warning" title="Nothing was saved" action={{ content: "Reload the saved settings", onAction: () => revalidator.revalidate() }}>
              <p>{result.issues[0]?.message}</p>
            </Banner>
          </Layout.Section>
        )}
        {issues.length > 0 && !(result && "conflict" in result) && (
          <Layout.Section>
            <Banner tone="critical" title={`Nothing is saved until ${issues.length === 1 ? "this is" : `these ${number(issues.length)} are`} fixed`}>
              <List>
                {issues.map((issue) => (
                  <List.Item key={`${issue.path}:${issue.message}`}>{describeSettingsIssue(issue, draft, tierName)}</List.Item>
                ))}
              </List>
            </Banner>
          </Layout.Section>
        )}

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center" gap="200">
                <Text as="h2" variant="headingMd">Promise for an order placed now</Text>
                {changed && !previewStale && <Badge tone="attention">Not saved yet</Badge>}
                {previewStale && <Badge tone="critical">Fix the fields to see the preview</Badge>}
              </InlineStack>
              {shownPreview ? (
                <>
                  <Text as="p" tone="subdued">Placed {shownPreview.placedAt}, every item in stock, with today's bookings in each lane.</Text>
                  <InlineGrid columns={{ xs: 1, sm: 2, md: Math.min(3, Math.max(1, shownPreview.tiers.length)) as 1 | 2 | 3 }} gap="300">
                    {shownPreview.tiers.map((tier) => (
                      <Box key={tier.tierKey} padding="300" background="bg-surface-secondary" borderRadius="200">
                        <BlockStack gap="100">
                          <InlineStack gap="200" blockAlign="center">
                            <Text as="h3" variant="headingSm">{tier.tierName}</Text>
                            {tier.laneName && <Text as="span" tone="subdued">{tier.laneName}</Text>}
                          </InlineStack>
                          {tier.shipBy ? (
                            <>
                              <Text as="p" variant="headingLg">{`Ships by ${tier.shipBy}`}</Text>
                              <Text as="p" tone="subdued">{`Earliest ${tier.shipByEarliest}`}</Text>
                            </>
                          ) : null}
                          {tier.notes.map((note) => (
                            <Text as="p" key={note} tone="caution">{note}</Text>
                          ))}
                        </BlockStack>
                      </Box>
                    ))}
                  </InlineGrid>
                </>
              ) : (
                <Text as="p" tone="subdued">{previewStale ? "The preview returns once every field is valid." : "Working out the preview…"}</Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <BlockStack gap="400">
            <Box paddingInlineStart={{ xs: "400", sm: "0" }}>
              <Text as="h2" variant="headingMd">Handling time and capacity per tier</Text>
            </Box>
            {draft.lanes.map((lane, i) => {
              return (
                <Card key={lane.key}>
                  <BlockStack gap="300">
                    <InlineStack align="space-between" blockAlign="center" gap="200">
                      <InlineStack gap="200" blockAlign="center">
                        <Text as="h3" variant="headingSm">{tierName(lane.tierKey)}</Text>
                      </InlineStack>
                    </InlineStack>
                    {issueFor(`lanes.${i}.tierKey`) && <Text as="p" tone="critical">{issueFor(`lanes.${i}.tierKey`)}</Text>}
                    <FormLayout>
                      <FormLayout.Group>
                        <TextField label="Lane name" value={lane.name} onChange={(name) => updateLane(i, { name })} autoComplete="off" error={issueFor(`lanes.${i}.name`)} helpText="Shown to staff on the order" />
                        <Select label="Handling time in" options={UNIT_OPTIONS} value={lane.unit} onChange={(unit) => updateLane(i, { unit: unit as LaneDraft["unit"] })} />
                      </FormLayout.Group>
                      <FormLayout.Group>
                        <TextField label="Ships at the earliest after" inputMode="numeric" value={lane.min} onChange={(min) => updateLane(i, { min })} suffix={lane.unit === "business_hours" ? "hours" : "days"} autoComplete="off" error={issueFor(`lanes.${i}.handling.min`)} />
                        <TextField label="Ships at the latest after" inputMode="numeric" value={lane.max} onChange={(max) => updateLane(i, { max })} suffix={lane.unit === "business_hours" ? "hours" : "days"} autoComplete="off" error={issueFor(`lanes.${i}.handling.max`)} helpText="This is the promise" />
                        <TextField label="Daily capacity" inputMode="numeric" value={lane.capacity} onChange={(capacity) => updateLane(i, { capacity })} suffix="orders" placeholder="Unlimited" autoComplete="off" error={issueFor(`lanes.${i}.dailyCapacity`)} helpText="Empty: no limit. A full day moves new promises to the next day with room." />
                      </FormLayout.Group>
                      {/* The first tier is the standard: its handling is what the others' cost is counted beyond. */}
                      {lane.tierKey !== data.tiers[0]?.key && (
                        <Box maxWidth="320px">
                          <TextField
                            label="Handling cost per order"
                            inputMode="decimal"
                            prefix={data.currency}
                            value={lane.handlingCost}
                            onChange={(handlingCost) => updateLane(i, { handlingCost })}
                            placeholder="0.00"
                            autoComplete="off"
                            error={issueFor(`lanes.${i}.handlingCostMinor`)}
                            helpText={`What handling one ${tierName(lane.tierKey)} order costs you beyond standard handling. The dashboard's service cost counts it per order.`}
                          />
                        </Box>
                      )}
                    </FormLayout>
                  </BlockStack>
                </Card>
              );
            })}
          </BlockStack>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">Business calendar</Text>
              <FormLayout>
                <FormLayout.Group condensed>
                  <Select label="Time zone" options={data.timeZones.includes(draft.timeZone) ? data.timeZones : [draft.timeZone, ...data.timeZones]} value={draft.timeZone} onChange={(timeZone) => update({ timeZone })} error={issueFor("calendar.timeZone")} />
                  <TextField label="Daily order cut-off" value={draft.cutoff} onChange={(cutoff) => update({ cutoff })} placeholder="14:00" autoComplete="off" helpText="24-hour clock. Orders at or after it count from the next working day; empty: no cut-off." error={issueFor("calendar.cutoff")} />
                </FormLayout.Group>
              </FormLayout>
              <BlockStack gap="100">
                <Text as="p">Working days</Text>
                <InlineStack gap="300" wrap>
                  {WEEKDAYS.map(({ day, label }) => (
                    <Checkbox key={day} label={label} checked={draft.workingDays.includes(day)} onChange={(on) => toggleDay(day, on)} />
                  ))}
                </InlineStack>
                {issueFor("calendar.workingDays") && <Text as="p" tone="critical">{issueFor("calendar.workingDays")}</Text>}
              </BlockStack>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">Holidays</Text>
              <FormLayout>
                <FormLayout.Group condensed>
                  <Select
                    label="Public holidays of"
                    options={[{ label: "No public holidays", value: "" }, ...data.countries.map((c) => ({ label: c.name, value: c.code }))]}
                    value={draft.holidayCountry}
                    onChange={(holidayCountry) => update({ holidayCountry, holidaySubdivision: "" })}
                    error={issueFor("calendar.holidayRegion.country")}
                  />
                  {holidays.subdivisions.length > 0 && (
                    <Select
                      label="Region"
                      options={[{ label: "Whole country", value: "" }, ...holidays.subdivisions.map((s) => ({ label: s.name, value: s.code }))]}
                      value={draft.holidaySubdivision}
                      onChange={(holidaySubdivision) => update({ holidaySubdivision })}
                      error={issueFor("calendar.holidayRegion.subdivision")}
                    />
                  )}
                </FormLayout.Group>
              </FormLayout>
              {holidays.seeded.length > 0 && (
                <BlockStack gap="100">
                  <Text as="p" tone="subdued">Closed on these days. Untick a day you work.</Text>
                  <InlineGrid columns={{ xs: 1, md: 2 }} gap="100">
                    {holidays.seeded.map((h) => (
                      <Checkbox key={h.date} label={`${h.label}: ${h.name}`} checked={!draft.holidaysRemoved.includes(h.date)} onChange={(closed) => toggleHoliday(h.date, closed)} />
                    ))}
                  </InlineGrid>
                </BlockStack>
              )}
              <Divider />
              <Text as="h3" variant="headingSm">Your own closing days</Text>
              {draft.holidaysAdded.map((h, i) => (
                <InlineGrid key={i} columns={{ xs: 2, md: "1fr 2fr 1fr" }} gap="200" alignItems="end">
                  <TextField label="Date" type="date" value={h.date} onChange={(date) => updateRow("holidaysAdded", i, { date })} autoComplete="off" error={issueFor(`calendar.holidaysAdded.${i}.date`)} />
                  <TextField label="Name" value={h.name} onChange={(name) => updateRow("holidaysAdded", i, { name })} autoComplete="off" placeholder="Stocktake" error={issueFor(`calendar.holidaysAdded.${i}.name`)} />
                  <Box paddingBlockEnd="150">
                    <Button variant="plain" tone="critical" onClick={() => removeRow("holidaysAdded", i)}>Remove</Button>
                  </Box>
                </InlineGrid>
              ))}
              <InlineStack>
                <Button onClick={() => update({ holidaysAdded: [...draft.holidaysAdded, { date: "", name: "" }] })}>Add a closing day</Button>
              </InlineStack>
              <Text as="p" variant="bodySm" tone="subdued">{data.attribution}</Text>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">Transit per destination</Text>
              <Text as="p" tone="subdued">Calendar days from shipping to delivery, per country (US) or region (US-CA). With one, orders to that destination also get an arrive-by date.</Text>
              {draft.transit.map((t, i) => (
                <InlineGrid key={i} columns={{ xs: 2, md: 4 }} gap="200" alignItems="end">
                  <TextField label="Country or region" value={t.zone} onChange={(zone) => updateRow("transit", i, { zone })} placeholder="US-CA" autoComplete="off" error={issueFor(`transit.${i}.zone`)} />
                  <TextField label="From" inputMode="numeric" suffix="days" value={t.minDays} onChange={(minDays) => updateRow("transit", i, { minDays })} autoComplete="off" error={issueFor(`transit.${i}.minDays`)} />
                  <TextField label="To" inputMode="numeric" suffix="days" value={t.maxDays} onChange={(maxDays) => updateRow("transit", i, { maxDays })} autoComplete="off" error={issueFor(`transit.${i}.maxDays`)} />
                  <Box paddingBlockEnd="150">
                    <Button variant="plain" tone="critical" onClick={() => removeRow("transit", i)}>Remove</Button>
                  </Box>
                </InlineGrid>
              ))}
              <InlineStack>
                <Button onClick={() => update({ transit: [...draft.transit, { zone: "", minDays: "", maxDays: "" }] })}>Add a destination</Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">Restocking lead time and priority capacity</Text>
              <Text as="p" tone="subdued">An order with an item out of stock is promised from the day it is expected back.</Text>
              <Text as="p" tone="subdued">Priority capacity: units of a SKU you can still make or expedite while it is short. Your priority tiers (Gold and Silver unless you changed them) keep their promise until stock and these units run out; other tiers wait for the supplier's delivery.</Text>
              <Box maxWidth="320px">
                <TextField label="Default lead time" inputMode="numeric" suffix="business days" value={draft.defaultReplenishmentDays} onChange={(defaultReplenishmentDays) => update({ defaultReplenishmentDays })} autoComplete="off" error={issueFor("defaultReplenishmentBusinessDays")} />
              </Box>
              {draft.skus.map((s, i) => (
                <InlineGrid key={i} columns={{ xs: 2, md: "2fr 1fr 1fr 1fr" }} gap="200" alignItems="end">
                  <TextField label="SKU" value={s.sku} onChange={(sku) => updateRow("skus", i, { sku })} autoComplete="off" error={issueFor(`skus.${i}.sku`)} />
                  <TextField label="Lead time" inputMode="numeric" suffix="days" value={s.days} onChange={(days) => updateRow("skus", i, { days })} autoComplete="off" error={issueFor(`skus.${i}.days`)} />
                  <TextField label="Priority capacity" inputMode="numeric" suffix="units" placeholder="None" value={s.capacity} onChange={(capacity) => updateRow("skus", i, { capacity })} autoComplete="off" error={issueFor(`skus.${i}.capacity`)} />
                  <Box paddingBlockEnd="150">
                    <Button variant="plain" tone="critical" onClick={() => removeRow("skus", i)}>Remove</Button>
                  </Box>
                </InlineGrid>
              ))}
              <InlineStack>
                <Button onClick={() => update({ skus: [...draft.skus, { sku: "", days: draft.defaultReplenishmentDays, capacity: "" }] })}>Add a SKU</Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <InlineStack align="end">
            <Button variant="primary" disabled={!canSave} loading={busy} onClick={submitSave}>Save</Button>
          </InlineStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
