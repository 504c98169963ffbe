// The event record: what services POST (CloudTrail record field names), how it is
// stored (1:1 with DB columns), and how it is rendered back as CloudTrail JSON.
import * as v from "valibot";
import { ACCOUNT_ID_PATTERN, ACCOUNT_NAME_PATTERN } from "./iam.ts";
import { isReadOnly } from "./read-only.ts";
import { ingestTextProblem } from "./recordable.ts";
import { extractResources, mergeResources, type Resource } from "./resources.ts";
import { retentionFloor } from "./retention.ts";
import { MINUTE_MS } from "./time.ts";

// AwsServiceEvent: a change the service makes by itself (CloudTrail's type for those), e.g. a rule disabled after 24 h of failures.
export const EVENT_TYPES = ["AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn", "AwsConsoleSignOut", "AwsConsoleAutoSignOut"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_VERSION = "1.08";
/** At most this many events per ingest batch, and at most this many bytes of it: senders split bigger ones. */
export const MAX_INGEST_BATCH = 1000;
export const MAX_INGEST_BYTES = 5 * 1024 * 1024;

const jsonObject = (what: string) =>
  v.pipe(v.custom<Record<string, unknown>>((x) => typeof x === "object" && x !== null && !Array.isArray(x), `${what} must be an object or null.`));

/** Date.parse rolls 2026-02-31 over to March; reject days the month does not have. */
function isRealDate(s: string): boolean {
  if (Number.isNaN(Date.parse(s))) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}
const text = (max: number, what: string) => v.pipe(v.string(`${what} must be a string.`), v.maxLength(max, `${what} must be at most ${max} characters.`));
const requiredText = (max: number, what: string) =>
  v.pipe(
    v.string(`${what} is required and must be a string.`),
    v.minLength(1, `${what} must not be empty.`),
    v.maxLength(max, `${what} must be at most ${max} characters.`),
  );

export const ResourceSchema = v.object({
  type: requiredText(256, "resources[].type"),
  name: requiredText(2000, "resources[].name"),
});

/** What an event id may look like (ingest refuses others; the console's event URL checks the same). */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const IngestEventSchema = v.object({
  eventID: v.nullish(v.pipe(v.string("eventID must be a string."), v.regex(EVENT_ID_PATTERN, "eventID must be 1–64 letters, digits, '.', '_', ':' or '-'."))),
  eventTime: v.pipe(
    v.string("eventTime is required and must be an ISO-8601 string."),
    v.isoTimestamp("eventTime must be an ISO-8601 timestamp such as 2026-11-24T10:00:00Z."),
    v.check(isRealDate, "eventTime is not a valid date."),
  ),
  eventName: v.pipe(
    requiredText(128, "eventName"),
    v.regex(/^[A-Za-z][A-Za-z0-9_]*$/, "eventName must start with a letter and contain only letters, digits and '_'."),
  ),
  eventType: v.optional(v.picklist(EVENT_TYPES, `eventType must be one of ${EVENT_TYPES.join(", ")}.`), "AwsApiCall"),
  eventSource: requiredText(128, "eventSource"),
  recipientAccountId: v.pipe(
    v.string("recipientAccountId is required and must be a string."),
    // The account's 12-digit id or its alias; ingest resolves an alias and stores the id.
    v.check(
      (s) => ACCOUNT_ID_PATTERN.test(s) || (ACCOUNT_NAME_PATTERN.test(s) && !/^\d+$/.test(s)),
      "recipientAccountId must be a 12-digit account id or an account alias (2–63 of a-z, 0-9 and '-').",
    ),
  ),
  project: requiredText(64, "project"),
  userName: requiredText(128, "userName"),
  accessKeyId: v.nullish(text(128, "accessKeyId")),
  sourceIPAddress: v.nullish(text(256, "sourceIPAddress")),
  userAgent: v.nullish(text(1024, "userAgent")),
  requestID: v.nullish(text(128, "requestID")),
  requestParameters: v.nullish(jsonObject("requestParameters")),
  responseElements: v.nullish(jsonObject("responseElements")),
  errorCode: v.nullish(text(256, "errorCode")),
  errorMessage: v.nullish(text(4096, "errorMessage")),
  additionalEventData: v.nullish(jsonObject("additionalEventData")),
  resources: v.nullish(
    v.pipe(v.array(ResourceSchema, "resources must be an array of {type, name}."), v.maxLength(100, "resources may list at most 100 entries.")),
  ),
  readOnly: v.nullish(v.boolean("readOnly must be a boolean.")),
});

export type IngestEvent = v.InferOutput<typeof IngestEventSchema>;
export type IngestEventInput = v.InferInput<typeof IngestEventSchema>;

export type StoredEvent = {
  eventId: string;
  accountId: string;
  project: string;
  eventTime: Date;
  eventName: string;
  eventType: EventType;
  eventSource: string;
  readOnly: boolean;
  userName: string;
  accessKeyId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData: Record<string, unknown> | null;
  resources: Resource[];
  resourceIds: string[];
  searchText: string;
};

export type IngestIssue = { index: number; field: string; message: string };
export type IngestBatchResult = { ok: true; events: IngestEvent[] } | { ok: false; errors: IngestIssue[] };

/** Validates every item; reports all problems at once so a service can fix its batch in one go. */
export function validateIngestBatch(items: unknown[]): IngestBatchResult {
  if (!Array.isArray(items)) return { ok: false, errors: [{ index: -1, field: "", message: "The body must be an array of events." }] };
  if (items.length > MAX_INGEST_BATCH) {
    return {
      ok: false,
      errors: [{ index: -1, field: "", message: `A batch may hold at most ${MAX_INGEST_BATCH} events; got ${items.length}.` }],
    };
  }
  const events: IngestEvent[] = [];
  const errors: IngestIssue[] = [];
  items.forEach((item, index) => {
    // Text Postgres cannot store and nesting beyond the limit, found without recursion first.
    const problem = ingestTextProblem(item);
    if (problem) {
      errors.push({ index, field: problem.path, message: problem.message });
      return;
    }
    const r = v.safeParse(IngestEventSchema, item);
    if (r.success) events.push(r.output);
    else for (const issue of r.issues) errors.push({ index, field: v.getDotPath(issue) ?? "", message: issue.message });
  });
  return errors.length === 0 ? { ok: true, events } : { ok: false, errors };
}

export type EventIds = { newEventId: () => string; newRequestId: () => string };

/** Fills defaults and derived columns. Console events are never read-only. */
export function toStoredEvent(input: IngestEvent, ids: EventIds): StoredEvent {
  const eventType: EventType = input.eventType ?? "AwsApiCall";
  const readOnly = eventType === "AwsApiCall" ? (input.readOnly ?? isReadOnly(input.eventName)) : false;
  const requestParameters = input.requestParameters ?? null;
  const resources = mergeResources(input.resources ?? [], extractResources(requestParameters, input.eventSource));
  const e: StoredEvent = {
    eventId: input.eventID ?? ids.newEventId(),
    accountId: input.recipientAccountId,
    project: input.project,
    eventTime: new Date(input.eventTime),
    eventName: input.eventName,
    eventType,
    eventSource: input.eventSource,
    readOnly,
    userName: input.userName,
    accessKeyId: input.accessKeyId ?? null,
    sourceIp: input.sourceIPAddress ?? null,
    userAgent: input.userAgent ?? null,
    requestId: input.requestID ?? ids.newRequestId(),
    errorCode: input.errorCode ?? null,
    errorMessage: input.errorMessage ?? null,
    requestParameters,
    // SPEC: responseElements is always empty for read-only events.
    responseElements: readOnly ? null : (input.responseElements ?? null),
    additionalEventData: input.additionalEventData ?? null,
    resources,
    resourceIds: resources.map((r) => r.name),
    searchText: "",
  };
  e.searchText = searchTextOf(e);
  return e;
}

/**
 * The values free-text search looks in, one per line. Searched with a case-sensitive
 * `LIKE '%term%'`; the newline separator keeps a term from matching across two values
 * unless it contains a newline itself.
 */
export function searchTextOf(e: Omit<StoredEvent, "searchText">): string {
  const parts: string[] = [e.eventName, e.userName, e.project, e.eventSource];
  for (const s of [e.sourceIp, e.userAgent, e.errorCode, e.errorMessage]) if (s !== null) parts.push(s);
  for (const id of e.resourceIds) parts.push(id);
  if (e.accessKeyId !== null) parts.push(e.accessKeyId);
  parts.push(e.eventId);
  if (e.requestId !== null) parts.push(e.requestId);
  if (e.requestParameters !== null) parts.push(JSON.stringify(e.requestParameters));
  if (e.responseElements !== null) parts.push(JSON.stringify(e.responseElements));
  return parts.join("\n");
}

/** ISO-8601 UTC without milliseconds, as CloudTrail writes it: `2026-11-24T10:00:00Z`. */
export function formatEventTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The CloudTrailEvent JSON record (eventVersion 1.08). errorCode/errorMessage only when set. */
export function toCloudTrailRecord(e: StoredEvent, region: string): Record<string, unknown> {
  const userIdentity: Record<string, unknown> = {
    type: "IAMUser",
    arn: `arn:aws:iam::${e.accountId}:user/${e.userName}`,
    accountId: e.accountId,
    userName: e.userName,
  };
  if (e.accessKeyId !== null) userIdentity.accessKeyId = e.accessKeyId;
  const r: Record<string, unknown> = {
    eventVersion: EVENT_VERSION,
    userIdentity,
    eventTime: formatEventTime(e.eventTime),
    eventSource: e.eventSource,
    eventName: e.eventName,
    awsRegion: region,
    sourceIPAddress: e.sourceIp,
    userAgent: e.userAgent,
  };
  if (e.errorCode !== null) r.errorCode = e.errorCode;
  if (e.errorMessage !== null) r.errorMessage = e.errorMessage;
  r.requestParameters = e.requestParameters;
  r.responseElements = e.responseElements;
  if (e.additionalEventData !== null) r.additionalEventData = e.additionalEventData;
  r.requestID = e.requestId;
  r.eventID = e.eventId;
  r.readOnly = e.readOnly;
  r.resources = e.resources.map((x) => ({ type: x.type, name: x.name }));
  r.eventType = e.eventType;
  r.managementEvent = true;
  r.recipientAccountId = e.accountId;
  r.eventCategory = "Management";
  r.project = e.project;
  return r;
}

export type LookupEvent = {
  EventId: string;
  EventName: string;
  ReadOnly: "true" | "false";
  AccessKeyId?: string;
  EventTime: Date;
  EventSource: string;
  Username: string;
  Project: string;
  Resources: { ResourceType: string; ResourceName: string }[];
  CloudTrailEvent: string;
};

/** One element of LookupEvents' `Events`. */
export function toLookupEvent(e: StoredEvent, region: string): LookupEvent {
  const out: LookupEvent = {
    EventId: e.eventId,
    EventName: e.eventName,
    ReadOnly: e.readOnly ? "true" : "false",
    EventTime: e.eventTime,
    EventSource: e.eventSource,
    Username: e.userName,
    Project: e.project,
    Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: JSON.stringify(toCloudTrailRecord(e, region)),
  };
  if (e.accessKeyId !== null) out.AccessKeyId = e.accessKeyId;
  return out;
}

/** How far ahead of the service's clock a sender's eventTime may be (clock skew between hosts). */
export const MAX_EVENT_TIME_AHEAD_MS = 15 * MINUTE_MS;

/**
 * Why an event's time cannot be stored, or null. Events from the future (beyond clock skew) or
 * older than the account's retention would be invisible — and the old ones dropped with their
 * partition — so ingest refuses them rather than acknowledge what no one could ever see.
 */
export function eventTimeProblem(eventTime: Date, now: Date, retentionDays: number): string | null {
  if (eventTime.getTime() > now.getTime() + MAX_EVENT_TIME_AHEAD_MS) {
    return `eventTime ${eventTime.toISOString()} is more than ${MAX_EVENT_TIME_AHEAD_MS / MINUTE_MS} minutes in the future`;
  }
  if (eventTime < retentionFloor(now, retentionDays)) {
    return `eventTime ${eventTime.toISOString()} is older than the account's retention of ${retentionDays} days`;
  }
  return null;
}
