// The non-embedded way in: a merchant who opens the app outside the Shopify admin
// enters their shop's domain and is sent to Shopify to install or log in.
import { useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider, BlockStack, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { LoginErrorType } from "@shopify/shopify-app-remix/server";
import { login } from "../shopify.server.ts";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

/** login()'s refusal in the merchant's words. */
function loginError(result: { shop?: LoginErrorType } | undefined): string | null {
  if (result?.shop === LoginErrorType.MissingShop) return "Enter your shop's domain to log in.";
  if (result?.shop === LoginErrorType.InvalidShop) return "Enter a shop domain like your-store.myshopify.com.";
  return null;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  // With ?shop= this redirects to Shopify; without it there is nothing to report yet.
  const result = new URL(request.url).searchParams.has("shop") ? await login(request) : {};
  return json({ error: loginError(result) });
};

export const action = async ({ request }: ActionFunctionArgs) => json({ error: loginError(await login(request)) });

export default function Login() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const error = acted?.error ?? loaded.error;
  return (
    <AppProvider i18n={en}>
      <Page narrowWidth>
        <Card>
          <Form method="post">
            <BlockStack gap="400">
              <Text as="h1" variant="headingLg">Log in to Tierline</Text>
              <FormLayout>
                <TextField type="text" name="shop" label="Shop domain" helpText="example.myshopify.com" value={shop} onChange={setShop} autoComplete="on" error={error ?? undefined} />
                <Button submit variant="primary">Log in</Button>
              </FormLayout>
            </BlockStack>
          </Form>
        </Card>
      </Page>
    </AppProvider>
  );
}
