/** @jsxImportSource preact */
// customer-account.profile.block.render (every plan): the signed-in buyer's tier, what they spent in
// the window, what the next tier needs, and each tier's delivery promise. Renders nothing until the
// metafields are read, and nothing at all for a buyer without a tier.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Api } from "@shopify/ui-extensions/customer-account.profile.block.render";
import { loadMemberTier, type MemberTier, type Money, type Shipping } from "./member-tier.ts";

declare const shopify: Api;

export default async () => {
  render(<ProfileTier />, document.body);
};

function ProfileTier() {
  const tier = useSignal<MemberTier | null>(null);
  useEffect(() => {
    let live = true;
    void loadMemberTier(fetch).then((value) => {
      if (live) tier.value = value;
    });
    return () => {
      live = false;
    };
  }, []);
  const member = tier.value;
  if (!member) return null;
  const t = shopify.i18n.translate;
  const amount = (m: Money) => shopify.i18n.formatCurrency(m.amount, { currency: m.currency });
  const ships = (s: Shipping) => {
    if (!s) return null;
    if (s.unit === "business_hours") return t("shipsHours", { count: s.max });
    return s.min === s.max || s.min <= 0 ? t("shipsDays", { count: s.max }) : t("shipsDaysRange", { min: s.min, max: s.max });
  };
  return (
    <s-section heading={t("heading")}>
      <s-stack gap="small-200">
        <s-text type="strong">{t("member", { tier: member.tierName })}</s-text>
        {member.spent && member.window && (
          <s-text>{t(`spent.${member.window.kind}`, { amount: amount(member.spent), days: member.window.kind === "trailing_days" ? member.window.days : 0 })}</s-text>
        )}
        {member.next?.more ? <s-text color="subdued">{t("spendMore", { amount: amount(member.next.more), tier: member.next.name })}</s-text> : null}
        {!member.next && <s-text color="subdued">{t("topTier")}</s-text>}
        {member.tiers.length > 0 && (
          <s-stack gap="small-300">
            <s-heading>{t("promisesHeading")}</s-heading>
            <s-unordered-list>
              {member.tiers.map((row) => {
                const line = [t("tierFrom", { tier: row.name, amount: amount(row.from) }), ships(row.ships)].filter(Boolean).join(": ");
                return <s-list-item key={row.key}>{row.key === member.tierKey ? t("yourTier", { line }) : line}</s-list-item>;
              })}
            </s-unordered-list>
          </s-stack>
        )}
      </s-stack>
    </s-section>
  );
}
