// The Members page's filtered list as CSV (every page), for the signed-in shop only.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { db } from "../db.server.ts";
import { authenticate } from "../shopify.server.ts";
import { membersCsv } from "../use-cases/members-admin.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const csv = await membersCsv({ db, shop: session.shop, params: new URL(request.url).searchParams, now: new Date() });
  return new Response(csv, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="tierline-members.csv"', "Cache-Control": "no-store" },
  });
};
