// One member: tier and since when, spend and progress to the next tier, what keeps
// the tier during grace, tier history with reasons, the orders that count, a link
// to the customer in Shopify; pin up or down with an end date; adjust spend.
import { useEffect, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Badge, Banner, BlockStack, Box, Button, Card, Divider, FormLayout, InlineStack, Layout, Link, Page, ProgressBar, Select, Text, TextField } from "@shopify/polaris";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { customerGidOf, loadMemberPage, submitMemberAction, type MemberActionResult } from "../use-cases/members-admin.server.ts";
import { shopFormatFor } from "../use-cases/shop-format.server.ts";
import { tierRecomputeRequester } from "../use-cases/request-tier-recompute.server.ts";

function notFound(): never {
  throw json({ message: "This member is not in Tierline." }, { status: 404 });
}

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const customerGid = customerGidOf(params.customerId ?? "") ?? notFound();
  const format = await shopFormatFor(db, session.shop, request);
  return json((await loadMemberPage({ db, shop: session.shop, customerGid, now: new Date(), format })) ?? notFound());
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const customerGid = customerGidOf(params.customerId ?? "") ?? notFound();
  const form = await request.formData();
  // The member is the URL's, never a field of the form.
  form.delete("customerGid");
  form.set("customerGid", customerGid);
  const format = await shopFormatFor(db, session.shop, request);
  const result = await submitMemberAction({ db, shop: session.shop, form, format, now: new Date(), requestRecompute: tierRecomputeRequester(session.shop) });
  return json<MemberActionResult>(result, { status: result.ok ? 200 : 422 });
};

export default function MemberPage() {
  const m = useLoaderData<typeof loader>();
  const shopify = useAppBridge();
  const pin = useFetcher<MemberActionResult>({ key: "member-pin" });
  const adjust = useFetcher<MemberActionResult>({ key: "member-adjust" });
  const [pinTier, setPinTier] = useState(m.tierKey ?? m.tiers[0]?.key ?? "");
  const [pinUntil, setPinUntil] = useState("");
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");

  useEffect(() => setPinTier(m.tierKey ?? m.tiers[0]?.key ?? ""), [m.tierKey, m.tiers]);
  useEffect(() => {
    if (pin.state === "idle" && pin.data?.ok) shopify.toast.show(pin.data.message);
  }, [pin.state, pin.data, shopify]);
  useEffect(() => {
    if (adjust.state === "idle" && adjust.data?.ok) {
      shopify.toast.show(adjust.data.message);
      setAmount("");
      setNote("");
    }
  }, [adjust.state, adjust.data, shopify]);

  const adjustError = adjust.state === "idle" && adjust.data && !adjust.data.ok ? adjust.data : null;
  const pinError = pin.state === "idle" && pin.data && !pin.data.ok ? pin.data : null;
  const direction = { current: "current tier", up: "up", down: "down" } as const;

  return (
    <Page
      title={m.name}
      subtitle={m.email ?? undefined}
      backAction={{ content: "Members", url: "/app/members" }}
      titleMetadata={<Badge tone={m.tiers[m.tiers.length - 1]?.key === m.tierKey ? "success" : undefined}>{m.tierName ?? "No tier"}</Badge>}
      secondaryActions={[{ content: "View customer in Shopify", url: m.shopifyUrl, target: "_top" }]}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">Standing</Text>
                <Text as="p">
                  {m.tierName ? <><Text as="span" fontWeight="semibold">{m.tierName}</Text>{m.since ? ` since ${m.since}` : ""}.</> : "No tier yet."}{" "}
                  {m.spend} spent {m.window} over {m.orders}.
                </Text>
                {m.pin && <Text as="p">Pinned to {m.pin.tierName}{m.pin.until ? ` until ${m.pin.until}` : " until you unpin"}: spend does not move this member meanwhile.</Text>}
                {m.next ? (
                  <BlockStack gap="100">
                    <ProgressBar progress={Math.round(m.next.progress * 100)} tone="highlight" size="small" />
                    <Text as="p" tone="subdued">{m.next.toGo} more to reach {m.next.name}.</Text>
                  </BlockStack>
                ) : (
                  m.tierName && <Text as="p" tone="subdued">This is your top tier.</Text>
                )}
                {m.keep && (
                  <Banner tone="warning" title={`In a grace period until ${m.keep.by}`}>
                    <p>
                      To keep {m.tierName}, this member needs to spend {m.keep.toGo} more by {m.keep.by}
                      {m.keep.downgradeTo ? `; otherwise they move to ${m.keep.downgradeTo}.` : "."}
                    </p>
                  </Banner>
                )}
                <Text as="p" variant="bodySm" tone="subdued">{m.sync}</Text>
              </BlockStack>
            </Card>

            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">Orders that count</Text>
                  <Text as="span" numeric fontWeight="semibold">{m.countedTotal}</Text>
                </InlineStack>
                {m.counted.length === 0 ? (
                  <Text as="p" tone="subdued">No paid orders {m.window}.</Text>
                ) : (
                  <BlockStack gap="200">
                    {m.counted.map((o, i) => (
                      <BlockStack key={`${o.label}-${i}`} gap="200">
                        {i > 0 && <Divider />}
                        <InlineStack align="space-between" blockAlign="center" gap="200">
                          <BlockStack gap="050">
                            {o.url ? <Link url={o.url} target="_top">{o.label}</Link> : <Text as="span">{o.label}</Text>}
                            <Text as="span" variant="bodySm" tone="subdued">{o.when}</Text>
                          </BlockStack>
                          <Text as="span" numeric>{o.spend}</Text>
                        </InlineStack>
                      </BlockStack>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>

            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">History</Text>
                {m.history.length === 0 ? (
                  <Text as="p" tone="subdued">No tier changes or adjustments yet.</Text>
                ) : (
                  <BlockStack gap="200">
                    {m.history.map((h, i) => (
                      <BlockStack key={`${h.at}-${i}`} gap="050">
                        {i > 0 && <Box paddingBlockEnd="200"><Divider /></Box>}
                        <InlineStack gap="200" blockAlign="center">
                          <Badge tone={h.kind === "adjustment" ? "info" : undefined}>{h.kind === "adjustment" ? "Adjustment" : "Tier"}</Badge>
                          <Text as="span" fontWeight="semibold">{h.title}</Text>
                        </InlineStack>
                        <Text as="p" tone="subdued" variant="bodySm">{h.when} · {h.detail}</Text>
                      </BlockStack>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>

        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <Card>
              <pin.Form method="post">
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">Pin tier</Text>
                  {m.pin ? (
                    <>
                      <Text as="p">Pinned to {m.pin.tierName}{m.pin.until ? ` until ${m.pin.until}` : ""}.</Text>
                      <input type="hidden" name="intent" value="unpin" />
                      <InlineStack>
                        <Button submit loading={pin.state !== "idle"}>Unpin</Button>
                      </InlineStack>
                    </>
                  ) : (
                    <FormLayout>
                      <input type="hidden" name="intent" value="pin" />
                      <Select
                        label="Tier"
                        name="tierKey"
                        options={m.tiers.map((t) => ({ label: `${t.name} (${direction[t.direction]})`, value: t.key }))}
                        value={pinTier}
                        onChange={setPinTier}
                        error={pinError?.field === "tierKey" ? pinError.error : undefined}
                      />
                      <TextField
                        label="Until (optional)"
                        name="until"
                        type="date"
                        value={pinUntil}
                        onChange={setPinUntil}
                        autoComplete="off"
                        helpText="Through the end of that day. Empty: until you unpin."
                        error={pinError?.field === "until" || (pinError && !pinError.field) ? pinError.error : undefined}
                      />
                      <InlineStack>
                        <Button submit loading={pin.state !== "idle"}>Pin</Button>
                      </InlineStack>
                    </FormLayout>
                  )}
                </BlockStack>
              </pin.Form>
            </Card>

            <Card>
              <adjust.Form method="post">
                <input type="hidden" name="intent" value="adjust" />
                <input type="hidden" name="adjustmentId" value={m.adjustmentKey} />
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">Adjust spend</Text>
                  <Text as="p" tone="subdued" variant="bodySm">Add an offline purchase or correct a mistake. It counts {m.window} from today, like an order, and is kept in the history.</Text>
                  <FormLayout>
                    <TextField
                      label="Amount"
                      name="amount"
                      value={amount}
                      onChange={setAmount}
                      autoComplete="off"
                      inputMode="decimal"
                      prefix={m.format.currency}
                      helpText="A negative amount takes spend away."
                      error={adjustError?.field === "amount" ? adjustError.error : undefined}
                    />
                    <TextField
                      label="Note"
                      name="note"
                      value={note}
                      onChange={setNote}
                      autoComplete="off"
                      multiline={2}
                      maxLength={500}
                      requiredIndicator
                      error={adjustError?.field === "note" ? adjustError.error : undefined}
                    />
                    {adjustError && !adjustError.field && <Text as="p" tone="critical">{adjustError.error}</Text>}
                    <InlineStack>
                      <Button submit loading={adjust.state !== "idle"}>Adjust spend</Button>
                    </InlineStack>
                  </FormLayout>
                </BlockStack>
              </adjust.Form>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
