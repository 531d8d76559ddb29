// A promise's status as the Promises page names it (shared by the page and its server-side loader).
import type { PromiseStatus } from "../domain/promise-score.ts";

export const PROMISE_STATUSES: PromiseStatus[] = ["late", "due_today", "on_time", "kept", "broken"];

export const PROMISE_STATUS_LABELS: Record<PromiseStatus, string> = { late: "Late", due_today: "Due today", on_time: "On time", kept: "Kept", broken: "Broken" };
