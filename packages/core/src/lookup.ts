// LookupEvents rules: attribute filters, the time window (never beyond retention),
// MaxResults, and opaque signed page tokens bound to the query that produced them.
import * as v from "valibot";
import { DomainError } from "./errors.ts";
import { hasLoneSurrogate, hasNul } from "./recordable.ts";
import { retentionFloor } from "./retention.ts";

export const LOOKUP_ATTRIBUTE_KEYS = [
  "EventId",
  "EventName",
  "ReadOnly",
  "Username",
  "ResourceName",
  "ResourceType",
  "EventSource",
  "AccessKeyId",
  "Project",
] as const;
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];
export type LookupAttribute = { AttributeKey: LookupAttributeKey; AttributeValue: string };

export type EventFilter = {
  eventId?: string;
  eventName?: string;
  readOnly?: boolean;
  userName?: string;
  resourceName?: string;
  resourceType?: string;
  eventSource?: string;
  accessKeyId?: string;
  project?: string;
  errorsOnly?: boolean;
  search?: string;
};

const ATTRIBUTE_FIELD = {
  EventId: "eventId",
  EventName: "eventName",
  ReadOnly: "readOnly",
  Username: "userName",
  ResourceName: "resourceName",
  ResourceType: "resourceType",
  EventSource: "eventSource",
  AccessKeyId: "accessKeyId",
  Project: "project",
} as const satisfies Record<LookupAttributeKey, keyof EventFilter>;

export const MAX_ATTRIBUTE_VALUE_LENGTH = 2000;
const MAX_ATTRIBUTES = 50;

function badAttributes(message: string): DomainError {
  return new DomainError("InvalidLookupAttributesException", message);
}

function isLookupKey(k: unknown): k is LookupAttributeKey {
  return typeof k === "string" && (LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(k);
}

/**
 * Turns LookupAttributes into a filter. Unlike CloudTrail (one attribute only), different keys
 * are ANDed; the same key twice is fine only with the same value (a value cannot equal two things).
 */
export function filterFromLookupAttributes(attrs: unknown): EventFilter {
  if (attrs === undefined || attrs === null) return {};
  if (!Array.isArray(attrs)) throw badAttributes("LookupAttributes must be a list of {AttributeKey, AttributeValue}.");
  if (attrs.length > MAX_ATTRIBUTES) throw badAttributes(`At most ${MAX_ATTRIBUTES} lookup attributes are allowed.`);
  const filter: EventFilter = {};
  const seen = new Map<LookupAttributeKey, string>();
  for (const a of attrs) {
    if (typeof a !== "object" || a === null) throw badAttributes("Each lookup attribute must be an object with AttributeKey and AttributeValue.");
    const { AttributeKey: key, AttributeValue: value } = a as Record<string, unknown>;
    if (!isLookupKey(key)) throw badAttributes(`AttributeKey must be one of ${LOOKUP_ATTRIBUTE_KEYS.join(", ")}; got ${JSON.stringify(key ?? null)}.`);
    if (typeof value !== "string" || value.length < 1 || value.length > MAX_ATTRIBUTE_VALUE_LENGTH)
      throw badAttributes(`AttributeValue for ${key} must be a string of 1 to ${MAX_ATTRIBUTE_VALUE_LENGTH} characters.`);
    if (hasNul(value)) throw badAttributes(`AttributeValue for ${key} must not contain the NUL character (U+0000).`);
    // No stored event holds a lone surrogate (recorded text has U+FFFD instead): the question is malformed, not empty.
    if (hasLoneSurrogate(value)) throw badAttributes(`AttributeValue for ${key} must not contain a lone surrogate (invalid UTF-16, e.g. \\ud800).`);
    const previous = seen.get(key);
    if (previous !== undefined && previous !== value)
      throw badAttributes(`AttributeKey ${key} is given twice with different values; an event can match only one.`);
    seen.set(key, value);
    if (key === "ReadOnly") {
      if (value !== "true" && value !== "false") throw badAttributes(`AttributeValue for ReadOnly must be "true" or "false".`);
      filter.readOnly = value === "true";
    } else {
      filter[ATTRIBUTE_FIELD[key]] = value;
    }
  }
  return filter;
}

export const MIN_SEARCH_LENGTH = 3;
export const MAX_SEARCH_LENGTH = 200;

/** Free-text search term: empty means none; 1–2 characters would match nearly everything slowly. */
export function validateSearch(s: unknown): string | undefined {
  if (s === undefined || s === null || s === "") return undefined;
  if (typeof s !== "string") throw new DomainError("InvalidParameterException", "Search text must be a string.");
  const length = [...s].length;
  if (length < MIN_SEARCH_LENGTH) throw new DomainError("InvalidParameterException", `Search text must be at least ${MIN_SEARCH_LENGTH} characters.`);
  if (length > MAX_SEARCH_LENGTH) throw new DomainError("InvalidParameterException", `Search text must be at most ${MAX_SEARCH_LENGTH} characters.`);
  if (hasNul(s)) throw new DomainError("InvalidParameterException", "Search text must not contain the NUL character (U+0000).");
  return s;
}

export type TimeWindow = { start: Date; end: Date; empty: boolean };

/** LookupEvents' StartTime/EndTime arrive as epoch seconds (fractions allowed). */
export function parseEpochSeconds(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const d = typeof value === "number" && Number.isFinite(value) ? new Date(value * 1000) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) throw new DomainError("InvalidTimeRangeException", `${field} must be a timestamp in epoch seconds.`);
  return d;
}

/**
 * The window a query covers, both ends inclusive. Defaults to the whole retention window ending
 * now. Start after end is the caller's mistake (InvalidTimeRangeException); anything before
 * retention or after now is silently clamped. A window entirely before retention is returned
 * with `empty: true` and start = end = the retention start, so callers can skip the query.
 */
export function resolveTimeWindow(requested: { start?: Date; end?: Date }, now: Date, retentionDays: number): TimeWindow {
  const { start, end } = requested;
  if ((start && Number.isNaN(start.getTime())) || (end && Number.isNaN(end.getTime())))
    throw new DomainError("InvalidTimeRangeException", "StartTime and EndTime must be valid timestamps.");
  const requestedEnd = end ?? now;
  if (start && start.getTime() > requestedEnd.getTime())
    throw new DomainError("InvalidTimeRangeException", end ? "StartTime must be earlier than or equal to EndTime." : "StartTime must not be in the future.");
  const floor = retentionFloor(now, retentionDays).getTime();
  const s = Math.max(start?.getTime() ?? floor, floor);
  const e = Math.min(requestedEnd.getTime(), now.getTime());
  if (e < s) return { start: new Date(floor), end: new Date(floor), empty: true };
  return { start: new Date(s), end: new Date(e), empty: false };
}

export const DEFAULT_MAX_RESULTS = 50;
export const MAX_MAX_RESULTS = 1000;

export function validateMaxResults(n: unknown): number {
  if (n === undefined || n === null) return DEFAULT_MAX_RESULTS;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_MAX_RESULTS)
    throw new DomainError("InvalidMaxResultsException", `MaxResults must be an integer from 1 to ${MAX_MAX_RESULTS}.`);
  return n;
}

export type PageTokenPayload = {
  v: 1;
  accountId: string;
  filterHash: string;
  windowStart: string;
  windowEnd: string;
  lastTime: string;
  lastId: string;
};

/** JSON with object keys sorted and undefined dropped, so equal inputs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The parameters a page token is bound to: the filter and the *requested* start/end (not the
 * clamped window, which moves with `now`; not MaxResults, which may change between pages).
 * The api may hash it (e.g. HMAC/SHA-256) before putting it into the token as `filterHash`.
 */
export function filterFingerprint(filter: EventFilter, requested: { start?: Date; end?: Date } = {}): string {
  return canonicalJson({ filter, start: requested.start, end: requested.end });
}

const MAX_TOKEN_LENGTH = 4096;

function toBase64Url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("not base64url");
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** `base64url(json) + "." + sign(base64url(json))`. The signer (HMAC) lives in the api. */
export function encodePageToken(payload: PageTokenPayload, sign: (data: string) => string): string {
  const data = toBase64Url(JSON.stringify(payload));
  return `${data}.${sign(data)}`;
}

const isoDate = v.pipe(v.string(), v.isoTimestamp());
const PageTokenSchema = v.strictObject({
  v: v.literal(1),
  accountId: v.pipe(v.string(), v.minLength(1)),
  filterHash: v.string(),
  windowStart: isoDate,
  windowEnd: isoDate,
  lastTime: isoDate,
  lastId: v.pipe(v.string(), v.minLength(1)),
});

function badToken(): DomainError {
  return new DomainError("InvalidNextTokenException", "The NextToken is invalid. Use the token from the previous response with the same parameters.");
}

/** Verifies the signature before parsing anything, so a tampered token never reaches JSON.parse. */
export function decodePageToken(token: string, verify: (data: string, sig: string) => boolean): PageTokenPayload {
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw badToken();
  const dot = token.lastIndexOf(".");
  if (dot <= 0 || dot === token.length - 1) throw badToken();
  const data = token.slice(0, dot);
  const sig = token.slice(dot + 1);
  let ok = false;
  try {
    ok = verify(data, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw badToken();
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(data));
  } catch {
    throw badToken();
  }
  const r = v.safeParse(PageTokenSchema, parsed);
  if (!r.success) throw badToken();
  return r.output;
}

/** A token is only valid for the account and the parameters that produced it. */
export function assertPageTokenBinding(payload: PageTokenPayload, expected: { accountId: string; filterHash: string }): void {
  if (payload.accountId !== expected.accountId || payload.filterHash !== expected.filterHash) throw badToken();
}
