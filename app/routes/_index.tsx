// Shopify opens the app at its root with ?shop=…&host=…: send it into the embedded app.
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return new Response("Tierline is a Shopify app: open it from your store's admin.", { headers: { "Content-Type": "text/plain" } });
};
