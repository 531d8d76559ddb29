// Overview: installation state and what Tierline has received so far.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [shop, deliveries, customers] = await Promise.all([
    db.shop.findUnique({ where: { domain: session.shop } }),
    db.webhookDelivery.count({ where: { shop: session.shop } }),
    db.customer.count({ where: { shop: session.shop, deletedAt: null } }),
  ]);
  return { shop: session.shop, allOrdersAccess: shop?.allOrdersAccess ?? false, deliveries, customers };
};

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  return (
    <Page title="Tierline">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">{data.shop}</Text>
              <Text as="p">Webhook deliveries received: {data.deliveries}</Text>
              <Text as="p">Customers known: {data.customers}</Text>
              {!data.allOrdersAccess && (
                <Text as="p" tone="caution">
                  Order history is limited to the last 60 days until Shopify grants the read_all_orders scope.
                </Text>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
