// The embedded admin frame: every /app/* page is authenticated with the session
// token App Bridge provides, and rendered inside Polaris' AppProvider.
import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { authenticate } from "../shopify.server.ts";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return { apiKey: process.env.SHOPIFY_API_KEY ?? "", appBridgeUrl: process.env.APP_BRIDGE_URL ?? "" };
};

export default function AppLayout() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">Overview</Link>
        <Link to="/app/members">Members</Link>
        <Link to="/app/tiers">Tier rules</Link>
        <Link to="/app/promises">Promises</Link>
        <Link to="/app/promise-settings">Promise settings</Link>
        <Link to="/app/dashboard">Dashboard</Link>
        <Link to="/app/suppliers">Suppliers</Link>
        <Link to="/app/replenishment">Replenishment</Link>
      </NavMenu>
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs Remix to catch some thrown responses so its headers are included.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
