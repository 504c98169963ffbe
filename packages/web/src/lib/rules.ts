/**
 * The Rules view's pure logic: the rule filter (core's EventFilter plus `eventNames`) to and from the
 * Events view's filter model, so both edit filters with the same fields; the form's checks; what a
 * rule's state and a delivery's status say. Pure, so e2e/lib.test.ts covers it without a browser.
 */
import { MAX_RULE_EVENT_NAMES, type RuleFilter } from "@activity-log/core";
import { describeFilter, type EventsFilter, type ReadOnlyChoice } from "./filters.ts";

/** The fields the shared filter editor edits (the Events filter without its period). */
type FilterFields = Omit<EventsFilter, "range" | "start" | "end">;

/** The rule form's filter: the shared fields, the actions (any of), and what the form has no field for. */
export type RuleFilterDraft = {
  fields: FilterFields;
  actions: string[];
  /** Kept as it is when a rule is edited (set through the API only). */
  resourceType?: string;
};

const ATTRIBUTES = ["userName", "project", "resourceName", "eventSource", "accessKeyId", "search"] as const;

/** The Events view's filters (period dropped: a rule looks at every new event) as a rule form's draft. */
export function draftFromEventsFilter(f: EventsFilter): RuleFilterDraft {
  const { range: _range, start: _start, end: _end, eventName, ...rest } = f;
  return { fields: { ...rest }, actions: eventName ? [eventName] : [] };
}

/** A stored rule filter (or a template's) as the form shows it. */
export function draftFromRuleFilter(f: RuleFilter): RuleFilterDraft {
  const readOnly: ReadOnlyChoice = f.readOnly === true ? "true" : f.readOnly === false ? "false" : "all";
  const fields: FilterFields = { readOnly, errorsOnly: f.errorsOnly === true };
  for (const k of ATTRIBUTES) if (f[k]) fields[k] = f[k];
  const actions = [...(f.eventName ? [f.eventName] : []), ...(f.eventNames ?? [])];
  const draft: RuleFilterDraft = { fields, actions: [...new Set(actions)] };
  if (f.resourceType) draft.resourceType = f.resourceType;
  return draft;
}

/** The form's draft as the API takes it: one action as `eventName`, several as `eventNames`. */
export function ruleFilterOfDraft(d: RuleFilterDraft): RuleFilter {
  const f: RuleFilter = {};
  if (d.actions.length === 1) f.eventName = d.actions[0];
  else if (d.actions.length > 1) f.eventNames = [...d.actions];
  if (d.fields.readOnly !== "all") f.readOnly = d.fields.readOnly === "true";
  if (d.fields.errorsOnly) f.errorsOnly = true;
  for (const k of ATTRIBUTES) {
    const value = d.fields[k]?.trim();
    if (value) f[k] = value;
  }
  if (d.resourceType) f.resourceType = d.resourceType;
  return f;
}

/** "StopLogging, DeleteTrail DeleteTrail" → ["StopLogging", "DeleteTrail"] (commas or spaces, no repeats). */
export function parseActions(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

export function actionsProblem(actions: string[]): string | null {
  if (actions.length > MAX_RULE_EVENT_NAMES) return `A rule names at most ${MAX_RULE_EVENT_NAMES} actions; this one has ${actions.length}.`;
  return null;
}

/** A rule that matches every event of the account is almost certainly a mistake: say so before saving. */
export function isMatchEverything(f: RuleFilter): boolean {
  return Object.keys(f).every((k) => k === "readOnly");
}

/**
 * What the browser can tell about a webhook URL; the server decides the rest (https only, or http to
 * hosts an operator allows; no private addresses) and its message is shown verbatim.
 */
export function webhookUrlProblem(text: string): string | null {
  const s = text.trim();
  if (s === "") return "Enter the URL the notifications are sent to.";
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return "Enter a full URL, such as https://hooks.example.com/activity-log.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "The URL must start with https://.";
  if (url.username || url.password) return "Leave user name and password out of the URL.";
  return null;
}

export type RuleState = "enabled" | "failing" | "disabled" | "paused";

/** The one word the list shows for a rule: paused (no subscription) wins, then off, then failing. */
export function ruleState(r: { enabled: boolean; paused: boolean; lastDelivery: { status: string } | null; lastError: { at: string } | null }): RuleState {
  if (r.paused) return "paused";
  if (!r.enabled) return "disabled";
  if (r.lastDelivery && (r.lastDelivery.status === "failed" || r.lastDelivery.status === "retrying")) return "failing";
  return "enabled";
}

export const RULE_STATE_LABEL: Record<RuleState, string> = { enabled: "Enabled", failing: "Failing", disabled: "Disabled", paused: "Paused" };
export const RULE_STATE_CLASS: Record<RuleState, string> = {
  enabled: "status-ready",
  failing: "status-failed",
  disabled: "status-stopped",
  paused: "status-stopped",
};

const DELIVERY_STATUS: Record<string, { label: string; class: string }> = {
  pending: { label: "Pending", class: "status-queued" },
  retrying: { label: "Retrying", class: "status-generating" },
  delivered: { label: "Delivered", class: "status-ready" },
  failed: { label: "Failed", class: "status-failed" },
};
/** A delivery's status in words ("Delivered"), and its colour class. */
export const deliveryStatusLabel = (status: string): string => DELIVERY_STATUS[status]?.label ?? status;
export const deliveryStatusClass = (status: string): string => DELIVERY_STATUS[status]?.class ?? "status-stopped";

/** The Events view showing one event's details (its id is enough: the details are fetched by id). */
export function eventHref(eventId: string): string {
  return `/events?${new URLSearchParams({ event: eventId })}`;
}

/** The Rules view with the create form open, prefilled with these Events filters (period dropped). */
export function createRuleHref(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams({ create: "1" });
  for (const [k, v] of Object.entries(params)) if (v !== undefined && k !== "range" && k !== "start" && k !== "end" && k !== "event") q.set(k, v);
  return `/rules?${q}`;
}

/** Where the rule's delivery log lives. */
export function ruleHref(name: string): string {
  return `/rules/${encodeURIComponent(name)}`;
}

/** One line saying which events a rule matches ("Action: StopLogging or DeleteTrail · Read only: No"). */
export function describeRuleFilter(f: RuleFilter): string {
  const actions = [...(f.eventName ? [f.eventName] : []), ...(f.eventNames ?? [])];
  const { eventName: _one, eventNames: _many, resourceType, ...rest } = f;
  const parts = [
    ...(actions.length > 0 ? [`Action: ${actions.join(" or ")}`] : []),
    describeFilter({ ...rest, readOnly: f.readOnly === undefined ? "all" : f.readOnly }),
    ...(resourceType ? [`Resource type: ${resourceType}`] : []),
  ];
  return parts.join(" · ");
}
