// Suppliers: who the shop buys from, the SKUs each covers (usual cost, lead time, rating), how
// Tierline reaches each (HTTPS with a signing secret shown only by its last characters, or email);
// add, edit, remove; and the import of a spreadsheet of SKU-supplier rows, all rows or none.
import { useEffect, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, Divider, DropZone, EmptyState, FormLayout, InlineStack, Layout, List, Page, Select, SkeletonBodyText, Text, TextField } from "@shopify/polaris";
import { adminGraphqlClientFromShopify } from "../adapters/shopify/admin-graphql-client.ts";
import { createAdminRunner } from "../adapters/shopify/admin-operation-runner.ts";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { shopLocaleFor } from "../use-cases/promises-admin.server.ts";
import { loadSuppliersPage, submitSuppliersAction, type SupplierRow, type SuppliersActionResult } from "../use-cases/suppliers-admin.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(await loadSuppliersPage({ db, shop: session.shop, locale: await shopLocaleFor(db, session.shop, request) }));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const result = await submitSuppliersAction({
    db,
    shop: session.shop,
    form: await request.formData(),
    admin: async () => createAdminRunner(adminGraphqlClientFromShopify(session.shop, admin)),
    // Plain http only to this machine, and never in production (the local simulated suppliers).
    allowLoopbackHttp: process.env.NODE_ENV !== "production",
  });
  return json<SuppliersActionResult>(result, { status: result.ok ? 200 : result.intent === "unknown" ? 400 : 422 });
};

// Boxes with a tag: drawn here so the empty state needs no image host.
const EMPTY_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><rect x="14" y="50" width="44" height="40" rx="4" fill="#e3e3e3"/><rect x="62" y="50" width="44" height="40" rx="4" fill="#d4d4d4"/><rect x="38" y="14" width="44" height="36" rx="4" fill="#ebebeb"/><path d="M14 62h44M62 62h44M38 26h44" stroke="#b5b5b5" stroke-width="3"/></svg>')}`;

type Editing = { id: string | null; name: string; connector: string; endpointUrl: string; email: string; secretHint: string | null };

const blankSupplier: Editing = { id: null, name: "", connector: "https", endpointUrl: "", email: "", secretHint: null };

function SupplierForm({ editing, onDone }: { editing: Editing; onDone: () => void }) {
  const fetcher = useFetcher<SuppliersActionResult>();
  const [draft, setDraft] = useState({ ...editing, signingSecret: "" });
  const busy = fetcher.state !== "idle";
  const result = fetcher.data;
  const issueOf = (field: string) => (result && !result.ok && result.intent === "save" ? result.issues.find((i) => i.field === field)?.message : undefined);
  const shopify = useAppBridge();
  useEffect(() => {
    if (fetcher.state !== "idle" || !result?.ok) return;
    shopify.toast.show(result.message);
    onDone();
  }, [fetcher.state, result]);
  const save = () => fetcher.submit({ intent: "save", id: draft.id ?? "", name: draft.name, connector: draft.connector, endpointUrl: draft.endpointUrl, email: draft.email, signingSecret: draft.signingSecret }, { method: "post" });
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">{editing.id ? `Edit ${editing.name}` : "Add a supplier"}</Text>
        <FormLayout>
          <TextField label="Name" autoComplete="off" value={draft.name} onChange={(name) => setDraft({ ...draft, name })} error={issueOf("name")} />
          <Select
            label="How Tierline asks for quotes"
            options={[
              { label: "HTTPS (the supplier's system answers by itself)", value: "https" },
              { label: "Email (you type in the supplier's reply)", value: "email" },
            ]}
            value={draft.connector}
            onChange={(connector) => setDraft({ ...draft, connector })}
            error={issueOf("connector")}
          />
          {draft.connector === "email" ? (
            <TextField label="Email address" type="email" autoComplete="off" value={draft.email} onChange={(email) => setDraft({ ...draft, email })} error={issueOf("email")} />
          ) : (
            <FormLayout.Group>
              <TextField label="Endpoint address" autoComplete="off" placeholder="https://supplier.example/rfq" value={draft.endpointUrl} onChange={(endpointUrl) => setDraft({ ...draft, endpointUrl })} error={issueOf("endpointUrl")} />
              <TextField
                label="Signing secret"
                type="password"
                autoComplete="new-password"
                value={draft.signingSecret}
                onChange={(signingSecret) => setDraft({ ...draft, signingSecret })}
                helpText={editing.secretHint ? `Stored secret ends ${editing.secretHint.replace(/^•+/, "")}. Leave blank to keep it.` : "At least 16 characters, agreed with the supplier."}
                error={issueOf("signingSecret")}
              />
            </FormLayout.Group>
          )}
        </FormLayout>
        <InlineStack gap="200" align="end">
          <Button onClick={onDone} disabled={busy}>Cancel</Button>
          <Button variant="primary" onClick={save} loading={busy}>{editing.id ? "Save" : "Add supplier"}</Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

function CsvImport({ columns }: { columns: { label: string; required: boolean }[] }) {
  const fetcher = useFetcher<SuppliersActionResult>();
  const [file, setFile] = useState<File | null>(null);
  const busy = fetcher.state !== "idle";
  const result = fetcher.data?.intent === "import" ? fetcher.data : null;
  const upload = () => {
    if (!file) return;
    const form = new FormData();
    form.set("intent", "import");
    form.set("file", file);
    fetcher.submit(form, { method: "post", encType: "multipart/form-data" });
  };
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">Import SKUs from a spreadsheet</Text>
        <Text as="p" tone="subdued">
          {`A CSV with one row per SKU and supplier. Columns: ${columns.map((c) => (c.required ? c.label : `${c.label} (optional)`)).join(", ")}. Every row is checked first; if one needs fixing, nothing is imported.`}
        </Text>
        <DropZone accept=".csv,text/csv" type="file" allowMultiple={false} onDrop={(_all, accepted) => setFile(accepted[0] ?? null)} label="CSV file" labelHidden>
          {file ? (
            <Box padding="400">
              <Text as="p" alignment="center">{file.name}</Text>
            </Box>
          ) : (
            <DropZone.FileUpload actionTitle="Choose CSV file" actionHint="or drop it here" />
          )}
        </DropZone>
        <InlineStack align="end">
          <Button variant="primary" onClick={upload} disabled={!file} loading={busy}>Import</Button>
        </InlineStack>
        {result && !busy && (
          <Banner tone={result.ok ? "success" : "critical"} title={result.message}>
            {!result.ok && "issues" in result && result.issues.length > 0 && (
              <List>
                {result.issues.slice(0, 50).map((issue, i) => (
                  <List.Item key={i}>{issue.message}</List.Item>
                ))}
                {result.issues.length > 50 && <List.Item>{`…and ${result.issues.length - 50} more.`}</List.Item>}
              </List>
            )}
          </Banner>
        )}
      </BlockStack>
    </Card>
  );
}

function SupplierCard({ supplier, onEdit }: { supplier: SupplierRow; onEdit: () => void }) {
  const remover = useFetcher<SuppliersActionResult>();
  const removing = remover.state !== "idle";
  const refused = remover.data && !remover.data.ok && remover.data.intent === "remove" ? remover.data.message : null;
  const shopify = useAppBridge();
  // A removed supplier's card goes when the page reloads its data: the answer goes in a toast.
  useEffect(() => {
    if (remover.data?.ok) shopify.toast.show(remover.data.message);
  }, [remover.data]);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200" wrap>
          <InlineStack gap="200" blockAlign="center" wrap>
            <Text as="h2" variant="headingMd">{supplier.name}</Text>
            <Badge tone={supplier.connector === "https" ? "info" : undefined}>{supplier.connector === "https" ? "HTTPS" : "Email"}</Badge>
          </InlineStack>
          <InlineStack gap="200">
            <Button size="slim" onClick={onEdit}>Edit</Button>
            <Button
              size="slim"
              tone="critical"
              loading={removing}
              onClick={() => {
                if (typeof window === "undefined" || window.confirm(`Remove ${supplier.name} and the SKUs it covers?`)) remover.submit({ intent: "remove", id: supplier.id }, { method: "post" });
              }}
            >
              Remove
            </Button>
          </InlineStack>
        </InlineStack>
        <Text as="p" tone="subdued" breakWord>
          {supplier.connector === "https" ? `${supplier.endpointUrl} · signing secret ${supplier.secretHint}` : `Requests by email to ${supplier.email}`}
        </Text>
        {refused && <Banner tone="warning">{refused}</Banner>}
        <Divider />
        {supplier.skus.length === 0 ? (
          <Text as="p" tone="subdued">No SKUs yet: import a spreadsheet to say which SKUs this supplier covers.</Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "numeric", "numeric", "numeric", "text"]}
            headings={["SKU", "Usual cost", "Lead time", "Rating", "Supplier SKU"]}
            rows={supplier.skus.map((s) => [<span key={s.sku} style={{ whiteSpace: "nowrap" }}>{s.sku}</span>, s.usualCost, `${s.leadBusinessDays} business days`, `${s.rating} / 5`, s.supplierSku ?? "—"])}
          />
        )}
      </BlockStack>
    </Card>
  );
}

export default function SuppliersPage() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const [editing, setEditing] = useState<Editing | null>(null);
  const done = () => setEditing(null);
  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/suppliers";

  if (data.suppliers.length === 0 && !editing) {
    return (
      <Page title="Suppliers">
        <Card>
          <EmptyState heading="Add the suppliers you buy from" image={EMPTY_IMAGE} action={{ content: "Add supplier", onAction: () => setEditing(blankSupplier) }}>
            <p>When a SKU runs low, Tierline asks each of its suppliers for a quote, compares them, and orders from the best one. Add suppliers here, then import a spreadsheet of which SKUs each covers.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page title="Suppliers" subtitle={`Costs in ${data.currency}`} primaryAction={{ content: "Add supplier", onAction: () => setEditing(blankSupplier), disabled: editing !== null }}>
      <Layout>
        {editing && (
          <Layout.Section>
            <SupplierForm key={editing.id ?? "new"} editing={editing} onDone={done} />
          </Layout.Section>
        )}
        <Layout.Section>
          <BlockStack gap="400">
            {loading ? (
              <Card>
                <SkeletonBodyText lines={6} />
              </Card>
            ) : (
              data.suppliers.map((supplier) => (
                <SupplierCard
                  key={supplier.id}
                  supplier={supplier}
                  onEdit={() => setEditing({ id: supplier.id, name: supplier.name, connector: supplier.connector, endpointUrl: supplier.endpointUrl ?? "", email: supplier.email ?? "", secretHint: supplier.secretHint })}
                />
              ))
            )}
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <CsvImport columns={data.columns} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
