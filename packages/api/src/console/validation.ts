/**
 * The console API's input schemas (valibot), checked at the edge by input-validation.ts: a bad
 * input is a 400 ValidationException naming the field.
 */
import { EVENT_ID_PATTERN, type EventFilter, hasLoneSurrogate, MAX_MAX_RESULTS, validateSearch } from "@activity-log/core";
import * as v from "valibot";

/** An empty form field means "no filter", not "match the empty string". */
const optionalText = (what: string, max = 2000) =>
  v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => (s === "" ? undefined : s)),
      v.check((s) => s === undefined || s.length <= max, `${what} must be at most ${max} characters.`),
      // Stored text never holds a lone surrogate (recorded text has U+FFFD): such a filter is malformed.
      v.check((s) => s === undefined || !hasLoneSurrogate(s), `${what} must not contain a lone surrogate (invalid UTF-16, e.g. \\ud800).`),
    ),
  );

const optionalInstant = (what: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => (s === "" ? undefined : new Date(s))),
      v.check((d) => d === undefined || !Number.isNaN(d.getTime()), `${what} must be an ISO-8601 time such as 2026-11-24T10:00:00Z.`),
    ),
  );

/** The Events view's filters, as query parameters (GET /events, /histogram) or a report's filter. */
const FilterFields = {
  start: optionalInstant("start"),
  end: optionalInstant("end"),
  /** Absent means "false": the console hides read-only calls by default. */
  readOnly: v.optional(v.picklist(["false", "true", "all"], "readOnly must be false, true or all.")),
  eventName: optionalText("eventName", 128),
  userName: optionalText("userName", 128),
  project: optionalText("project", 64),
  resourceName: optionalText("resourceName"),
  eventSource: optionalText("eventSource", 128),
  accessKeyId: optionalText("accessKeyId", 128),
  errorsOnly: v.optional(v.picklist(["true", "false"], "errorsOnly must be true or false.")),
  search: optionalText("search"),
};

export const FilterQuerySchema = v.object(FilterFields);
export type FilterQuery = v.InferOutput<typeof FilterQuerySchema>;

const LIMIT_MESSAGE = `limit must be a whole number from 1 to ${MAX_MAX_RESULTS}.`;

export const EventsQuerySchema = v.object({
  ...FilterFields,
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,4}$/, LIMIT_MESSAGE), v.transform(Number), v.minValue(1, LIMIT_MESSAGE), v.maxValue(MAX_MAX_RESULTS, LIMIT_MESSAGE)),
  ),
  nextToken: optionalText("nextToken", 4096),
});

/** Filter fields to core's EventFilter (the same one LookupEvents builds from its attributes). */
export function eventFilterOf(q: FilterQuery): EventFilter {
  const filter: EventFilter = {};
  const readOnly = q.readOnly ?? "false";
  if (readOnly !== "all") filter.readOnly = readOnly === "true";
  if (q.eventName) filter.eventName = q.eventName;
  if (q.userName) filter.userName = q.userName;
  if (q.project) filter.project = q.project;
  if (q.resourceName) filter.resourceName = q.resourceName;
  if (q.eventSource) filter.eventSource = q.eventSource;
  if (q.accessKeyId) filter.accessKeyId = q.accessKeyId;
  if (q.errorsOnly === "true") filter.errorsOnly = true;
  const search = validateSearch(q.search);
  if (search) filter.search = search;
  return filter;
}

export const SignInSchema = v.object({
  account: v.pipe(v.string("account is required."), v.minLength(1, "account is required."), v.maxLength(63, "account is at most 63 characters.")),
  user: v.pipe(v.string("user is required."), v.minLength(1, "user is required."), v.maxLength(128, "user is at most 128 characters.")),
  password: v.pipe(v.string("password is required."), v.minLength(1, "password is required."), v.maxLength(1024, "password is at most 1024 characters.")),
});

/** The report request: a format and the Events view's filter (strings, exactly as in its URL). */
export const ReportRequestSchema = v.object({
  format: v.picklist(["csv", "json"], "format must be csv or json."),
  filter: v.optional(v.object(FilterFields), {}),
});

export const TrailCreateSchema = v.object({
  name: v.pipe(v.string("name is required."), v.minLength(1, "name is required."), v.maxLength(1024)),
  bucket: v.pipe(v.string("bucket is required."), v.minLength(1, "bucket is required."), v.maxLength(255)),
  project: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  prefix: v.optional(v.pipe(v.string(), v.maxLength(1024)), ""),
  readWriteType: v.optional(v.picklist(["All", "ReadOnly", "WriteOnly"], "readWriteType must be All, ReadOnly or WriteOnly.")),
});

/** Strict: every member is optional, so an unknown one (a misspelling) would otherwise be an empty update. */
export const TrailUpdateSchema = v.strictObject(
  {
    bucket: v.optional(v.pipe(v.string(), v.minLength(1, "bucket must not be empty."), v.maxLength(255))),
    project: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    prefix: v.optional(v.pipe(v.string(), v.maxLength(1024))),
    readWriteType: v.optional(v.picklist(["All", "ReadOnly", "WriteOnly"], "readWriteType must be All, ReadOnly or WriteOnly.")),
  },
  "A trail update may have only the members bucket, project, prefix and readWriteType.",
);

export const NameParam = v.object({ name: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)) });
export const IdParam = v.object({ id: v.pipe(v.string(), v.regex(EVENT_ID_PATTERN, "The id is not valid.")) });
export const UuidParam = v.object({ id: v.pipe(v.string(), v.uuid("The report id is not valid.")) });

/** A rule as the Rules view sends it; core checks the name, filter and URL (with their own error codes). */
export const RuleCreateSchema = v.strictObject(
  {
    name: v.pipe(v.string("name is required."), v.minLength(1, "name is required."), v.maxLength(1024)),
    filter: v.optional(v.unknown()),
    url: v.pipe(v.string("url is required."), v.maxLength(4096, "url is too long.")),
    enabled: v.optional(v.boolean("enabled must be true or false.")),
  },
  "A rule has only the members name, filter, url and enabled.",
);

/** Strict, like trail updates: a misspelt member would otherwise be an empty update. */
export const RuleUpdateSchema = v.strictObject(
  {
    filter: v.optional(v.unknown()),
    url: v.optional(v.pipe(v.string("url must be a string."), v.maxLength(4096, "url is too long."))),
    enabled: v.optional(v.boolean("enabled must be true or false.")),
  },
  "A rule update may have only the members filter, url and enabled.",
);

const DELIVERY_LIMIT_MESSAGE = "limit must be a whole number from 1 to 200.";

export const DeliveriesQuerySchema = v.object({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, DELIVERY_LIMIT_MESSAGE),
      v.transform(Number),
      v.minValue(1, DELIVERY_LIMIT_MESSAGE),
      v.maxValue(200, DELIVERY_LIMIT_MESSAGE),
    ),
  ),
  nextToken: optionalText("nextToken", 4096),
});
