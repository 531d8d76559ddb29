/**
 * What each tier would be promised for an order placed now: the settings page's preview and the
 * checkout's "Gold members ship by …" line for a guest or a lower tier.
 *
 * Exported API
 * - type TierPromisePreview = { tierKey; promise: DeliveryPromise | null }   null: the tier has no lane
 * - previewTierPromises({ rules, calendar, tierKeys, now, bookingsByLane, destination }): TierPromisePreview[]
 *
 * The order is placed at `now` with every line in stock and no Shopify delivery promise; each
 * tier's lane sees its own bookings, so a full lane shows its roll-over in the preview too.
 * Results keep the order of `tierKeys`.
 */
import type { BusinessCalendar, LocalDate } from "./business-calendar.ts";
import { calculatePromise, type DeliveryPromise } from "./promise-date-calculator.ts";
import { laneForTier, type Destination, type PromiseRules } from "./promise-rules.ts";

export type TierPromisePreview = { tierKey: string; promise: DeliveryPromise | null };

export type TierPromisePreviewInput = {
  rules: PromiseRules;
  calendar: BusinessCalendar;
  tierKeys: readonly string[];
  now: Date;
  /** Promises already due per lane key and local day. */
  bookingsByLane: Readonly<Record<string, Readonly<Record<LocalDate, number>>>>;
  destination: Destination | null;
};

export function previewTierPromises({ rules, calendar, tierKeys, now, bookingsByLane, destination }: TierPromisePreviewInput): TierPromisePreview[] {
  return tierKeys.map((tierKey) => {
    const lane = laneForTier(rules, tierKey);
    if (!lane) return { tierKey, promise: null };
    const promise = calculatePromise({
      rules,
      calendar,
      tierKey,
      orderedAt: now,
      lines: [],
      laneBookings: bookingsByLane[lane.key] ?? {},
      destination,
      shopifyPromises: [],
      now,
    });
    return { tierKey, promise };
  });
}
