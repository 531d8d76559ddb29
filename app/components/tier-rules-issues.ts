// The Tier rules form's validation issues in the merchant's words: an issue's path names a
// field of the rules ("tiers.1.entryThresholdMinor"), which the banner shows as the tier and
// the field's label instead ("Silver, entry threshold").

const TIER_FIELDS: Record<string, string> = {
  name: "name",
  key: "name",
  tag: "customer tag",
  entryThresholdMinor: "entry threshold",
  minOrders: "minimum orders",
  retainThresholdMinor: "keep tier while spend stays above",
};

const SETTINGS: Record<string, string> = {
  "window.days": "Days",
  "window.timeZone": "Time zone",
  "window.kind": "Spend window",
  window: "Spend window",
  graceDays: "Grace period",
  currency: "Currency",
  tiers: "Tiers",
};

/** Where the issue is, as the form labels it; null when it is about the whole form. */
export function issuePlace(path: string, tierNames: string[]): string | null {
  if (!path) return null;
  const tier = /^tiers\.(\d+)(?:\.(\w+))?/.exec(path);
  if (tier) {
    const name = tierNames[Number(tier[1])]?.trim() || `Tier ${Number(tier[1]) + 1}`;
    const field = tier[2] ? TIER_FIELDS[tier[2]] : undefined;
    return field ? `${name}, ${field}` : name;
  }
  return SETTINGS[path] ?? null;
}

/** The validator's own wording for a field that is not a number, as the form would say it. */
export const plainIssueMessage = (message: string) => (/^Expected number, received /.test(message) ? "must be a whole number such as 30" : message);

/** One line of the issues banner. */
export function describeIssue(issue: { path: string; message: string }, tierNames: string[]): string {
  const place = issuePlace(issue.path, tierNames);
  const message = plainIssueMessage(issue.message);
  return place ? `${place}: ${message}` : message;
}
