/**
 * The Events view's filter state, which lives in the URL (shareable views): parsing and writing
 * the search params, resolving a time preset to a period, and the query the API gets. Pure, so
 * e2e/lib.test.ts covers it without a browser. The rules themselves (units of time, the retention
 * floor, search lengths) are core's, as the API applies them.
 */
import { DAY_MS, HOUR_MS, MAX_SEARCH_LENGTH, MIN_SEARCH_LENGTH, MINUTE_MS, retentionFloor } from "@activity-log/core";
import { formatTimeZoned } from "./format.ts";

export const RANGE_PRESETS = [
  { id: "1h", label: "Last hour", ms: HOUR_MS },
  { id: "24h", label: "Last 24 hours", ms: DAY_MS },
  { id: "7d", label: "Last 7 days", ms: 7 * DAY_MS },
  { id: "30d", label: "Last 30 days", ms: 30 * DAY_MS },
] as const;
type RangePreset = (typeof RANGE_PRESETS)[number]["id"];
export type Range = RangePreset | "custom";
const DEFAULT_RANGE: RangePreset = "24h";

export type ReadOnlyChoice = "false" | "true" | "all";

export type EventsFilter = {
  range: Range;
  /** ISO instants, only for a custom range. */
  start?: string;
  end?: string;
  readOnly: ReadOnlyChoice;
  eventName?: string;
  userName?: string;
  project?: string;
  resourceName?: string;
  eventSource?: string;
  accessKeyId?: string;
  errorsOnly: boolean;
  search?: string;
};

const TEXT_FIELDS = ["eventName", "userName", "project", "resourceName", "eventSource", "accessKeyId", "search"] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

type Params = Partial<Record<string, string | string[] | undefined>>;
const one = (x: string | string[] | undefined): string | undefined => (Array.isArray(x) ? x[0] : x) || undefined;

const isPreset = (s: string | undefined): s is RangePreset => RANGE_PRESETS.some((p) => p.id === s);
const isInstant = (s: string | undefined): s is string => s !== undefined && !Number.isNaN(Date.parse(s));

/** URL → filter. Anything malformed falls back to the default instead of breaking the page. */
export function filterFromParams(params: Params): EventsFilter {
  const range = one(params.range);
  const start = one(params.start);
  const end = one(params.end);
  const readOnly = one(params.readOnly);
  const f: EventsFilter = {
    range: range === "custom" && isInstant(start) ? "custom" : isPreset(range) ? range : DEFAULT_RANGE,
    readOnly: readOnly === "true" || readOnly === "all" ? readOnly : "false",
    errorsOnly: one(params.errorsOnly) === "true",
  };
  if (f.range === "custom") {
    f.start = start;
    if (isInstant(end)) f.end = end;
  }
  for (const k of TEXT_FIELDS) {
    const value = one(params[k]);
    if (value) f[k] = value;
  }
  return f;
}

/** Filter → URL params; `undefined` removes a param (useSearchParams semantics). Defaults are left out. */
export function paramsFromFilter(f: EventsFilter): Record<string, string | undefined> {
  const p: Record<string, string | undefined> = {
    range: f.range === DEFAULT_RANGE ? undefined : f.range,
    start: f.range === "custom" ? f.start : undefined,
    end: f.range === "custom" ? f.end : undefined,
    readOnly: f.readOnly === "false" ? undefined : f.readOnly,
    errorsOnly: f.errorsOnly ? "true" : undefined,
  };
  for (const k of TEXT_FIELDS) p[k] = f[k] || undefined;
  return p;
}

/** The period a filter covers as of `now`; a custom start never goes before the retention floor. */
export function periodOf(f: EventsFilter, now: Date, retentionDays: number): { start: Date; end: Date } {
  const floor = retentionFloor(now, retentionDays).getTime();
  if (f.range === "custom" && f.start) {
    const start = Math.max(Date.parse(f.start), floor);
    const end = f.end ? Math.min(Date.parse(f.end), now.getTime()) : now.getTime();
    return { start: new Date(start), end: new Date(Math.max(end, start)) };
  }
  const preset = RANGE_PRESETS.find((p) => p.id === f.range) ?? RANGE_PRESETS[1];
  return { start: new Date(Math.max(now.getTime() - preset.ms, floor)), end: now };
}

/** What GET /events, GET /histogram and a report request get. Presets leave `end` open (= now). */
export type ApiFilter = {
  start?: string;
  end?: string;
  readOnly: ReadOnlyChoice;
  eventName?: string;
  userName?: string;
  project?: string;
  resourceName?: string;
  eventSource?: string;
  accessKeyId?: string;
  errorsOnly?: "true" | "false";
  search?: string;
};

export function apiFilterOf(f: EventsFilter, now: Date, retentionDays: number): ApiFilter {
  const period = periodOf(f, now, retentionDays);
  const q: ApiFilter = { readOnly: f.readOnly, start: period.start.toISOString() };
  if (f.range === "custom") q.end = period.end.toISOString();
  if (f.errorsOnly) q.errorsOnly = "true";
  for (const k of TEXT_FIELDS) if (f[k]) q[k] = f[k];
  return q;
}

/** Query parameters without the unset ones (the typed client sends every key it is given). */
export function queryOf(f: ApiFilter, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v !== undefined && v !== "") q[k] = v;
  return q;
}

/** Why a custom period cannot be used, in words for the form; null when it is fine. */
export function customRangeProblem(start: string | undefined, end: string | undefined, now: Date, retentionDays: number): string | null {
  if (!start) return "Choose the start of the period.";
  const s = Date.parse(start);
  if (Number.isNaN(s)) return "The start is not a valid date and time.";
  const floor = retentionFloor(now, retentionDays).getTime();
  if (s < floor - MINUTE_MS)
    return `Events are kept for ${retentionDays} days: the start cannot be earlier than ${formatTimeZoned(new Date(floor).toISOString())}.`;
  if (end) {
    const e = Date.parse(end);
    if (Number.isNaN(e)) return "The end is not a valid date and time.";
    if (e < s) return "The end must be after the start.";
  }
  if (s > now.getTime()) return "The start cannot be in the future.";
  return null;
}

/** The search box is case-sensitive and needs MIN_SEARCH_LENGTH to MAX_SEARCH_LENGTH characters (as the API does). */
export function searchProblem(s: string): string | null {
  if (s === "") return null;
  if ([...s].length < MIN_SEARCH_LENGTH) return `Type at least ${MIN_SEARCH_LENGTH} characters to search.`;
  if ([...s].length > MAX_SEARCH_LENGTH) return `Search text is at most ${MAX_SEARCH_LENGTH} characters.`;
  return null;
}

const LABELS: Record<string, string> = {
  eventName: "Action",
  userName: "User",
  project: "Project",
  resourceName: "Resource",
  eventSource: "Source",
  accessKeyId: "Access key",
  search: "Search",
};

/** The filters set beyond the defaults, one chip each, with the filter that removes it. */
export function chipsOf(f: EventsFilter): { key: string; label: string; without: EventsFilter }[] {
  const chips: { key: string; label: string; without: EventsFilter }[] = [];
  for (const k of TEXT_FIELDS) {
    const value = f[k];
    if (value) chips.push({ key: k, label: `${LABELS[k]}: ${value}`, without: { ...f, [k]: undefined } });
  }
  if (f.readOnly !== "false")
    chips.push({ key: "readOnly", label: `Read only: ${f.readOnly === "true" ? "Yes" : "All"}`, without: { ...f, readOnly: "false" } });
  if (f.errorsOnly) chips.push({ key: "errorsOnly", label: "Errors only", without: { ...f, errorsOnly: false } });
  return chips;
}

/** Every filter cleared; the period is kept (it is not a filter of what, but of when). */
export function clearFilters(f: EventsFilter): EventsFilter {
  return { range: f.range, start: f.start, end: f.end, readOnly: "false", errorsOnly: false };
}

/** The same filters over every retained day ("Search all 30 days" on an empty result). */
export function widest(f: EventsFilter, now: Date, retentionDays: number): EventsFilter {
  if (retentionDays <= 30) return { ...f, range: "30d", start: undefined, end: undefined };
  return { ...f, range: "custom", start: retentionFloor(now, retentionDays).toISOString(), end: undefined };
}

/** Whether a filter already covers every retained day (nothing wider to offer). */
export function isWidest(f: EventsFilter, now: Date, retentionDays: number): boolean {
  if (f.range === "custom") return !f.end && !!f.start && Date.parse(f.start) <= retentionFloor(now, retentionDays).getTime() + MINUTE_MS;
  return f.range === "30d" && retentionDays <= 30;
}

/** One line describing a filter (report rows, empty states). */
export function describeFilter(f: {
  readOnly?: boolean | ReadOnlyChoice | undefined;
  errorsOnly?: boolean | string | undefined;
  eventName?: string | undefined;
  userName?: string | undefined;
  project?: string | undefined;
  resourceName?: string | undefined;
  eventSource?: string | undefined;
  accessKeyId?: string | undefined;
  search?: string | undefined;
}): string {
  const parts: string[] = [];
  const ro = f.readOnly;
  if (ro === true || ro === "true") parts.push("Read only: Yes");
  else if (ro === false || ro === "false") parts.push("Read only: No");
  else parts.push("Read only: All");
  for (const k of TEXT_FIELDS) {
    const value = f[k];
    if (value) parts.push(`${LABELS[k]}: ${k === "search" ? `“${value}”` : value}`);
  }
  if (f.errorsOnly === true || f.errorsOnly === "true") parts.push("Errors only");
  return parts.join(" · ");
}

/** Zooming the histogram: a clicked bucket becomes the custom period. */
export function zoomTo(f: EventsFilter, bucketStart: number, bucketMs: number): EventsFilter {
  return { ...f, range: "custom", start: new Date(bucketStart).toISOString(), end: new Date(bucketStart + bucketMs).toISOString() };
}

/** A field a table cell, a details value or a facet can filter by. */
export type FilterKey = TextField;
