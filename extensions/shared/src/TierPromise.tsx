/** @jsxImportSource preact */
// The tier promise block, the same on every surface: the buyer's tier and ship-by date (with the
// arrive-by range when the shop has a transit estimate for the destination), and for a guest or a
// lower tier what the next tier would promise and what qualifies. Until the backend answers, and
// when it fails or is slow, it renders nothing: checkout never waits on it.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { requestPromise, type CheckoutPromiseAnswer, type PromiseRequest } from "./promise-request.ts";

export type Translate = (key: string, options?: Record<string, string | number>) => string;

export type TierPromiseProps = { request: PromiseRequest; translate: Translate };

export function TierPromise({ request, translate: t }: TierPromiseProps) {
  const answer = useSignal<CheckoutPromiseAnswer | null>(null);
  useEffect(() => {
    let live = true;
    void requestPromise(request).then((value) => {
      if (live) answer.value = value;
    });
    return () => {
      live = false;
    };
    // One request per mount: the order and the buyer do not change under a block.
  }, []);
  const value = answer.value;
  if (!value || (!value.promise && !value.next?.promise)) return null;
  const { promise, next, tier } = value;
  return (
    <s-stack gap="small-200" accessibilityRole="status">
      <s-heading>{t("heading")}</s-heading>
      {promise && (
        <s-text type="strong">
          {tier.member ? t("memberShipsBy", { tier: promise.tierName, date: promise.shipBy }) : t("shipsBy", { date: promise.shipBy })}
        </s-text>
      )}
      {promise?.arriveBy && <s-text color="subdued">{t("arrives", { range: promise.arriveBy })}</s-text>}
      {next?.promise && <s-text>{t("nextShipsBy", { tier: next.tier.name, date: next.promise.shipBy })}</s-text>}
      {next?.qualifies.spend && (
        <s-text color="subdued">{t(next.qualifies.more ? "spendMore" : "spendToJoin", { amount: next.qualifies.spend, tier: next.tier.name })}</s-text>
      )}
      {next?.qualifies.orders && (
        <s-text color="subdued">{t(next.qualifies.more ? "ordersMore" : "ordersToJoin", { count: next.qualifies.orders, tier: next.tier.name })}</s-text>
      )}
      {!tier.member && <s-text color="subdued">{t("signIn")}</s-text>}
    </s-stack>
  );
}
