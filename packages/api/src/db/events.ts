import { searchTextOf, type EventFilter, type EventType, type StoredEvent } from "@activity-log/core";
import type { Database } from "./client.ts";
import { ensurePartitions, forgetPartitions } from "./partitions.ts";

/**
 * The events store: batch insert, point read, filtered newest-first pages, histogram, streaming
 * and estimates. Queries are raw SQL on the native driver (not Drizzle) because they need
 * partition-aware plans, cursors and row comparisons; every one carries account_id first.
 */

/** Runs one parameterised statement on whichever driver is underneath and returns its rows. */
export async function nativeQuery<T = Record<string, unknown>>(
  database: Database,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  // Unnamed statements: planned with the actual values every time. A named (prepared) statement
  // switches to a generic plan after a few runs, which cannot see the window or rare values.
  if (database.pg) return (await database.pg.unsafe(text, params as never[], { prepare: false })) as unknown as T[];
  if (database.pglite) return (await database.pglite.query<T>(text, params)).rows;
  throw new Error("database has no native driver");
}

// ---------------------------------------------------------------------------------------------
// Insert

const INSERT_COLUMNS = `account_id, project, event_time, event_id, event_name, event_type, event_source, read_only,
  user_name, access_key_id, source_ip, user_agent, request_id, error_code, error_message, request_parameters,
  response_elements, additional_event_data, resources, resource_ids, search_text`;

/**
 * The whole batch travels as one JSON parameter and is unpacked by json_to_recordset: one round
 * trip, no 65,534-parameter limit, no per-driver array typing, and the same statement on
 * postgres.js and PGlite. One statement is one transaction: the batch is stored whole or not at all.
 */
const INSERT_SQL = `insert into events (${INSERT_COLUMNS})
  select a, p, t, i, n, ty, s, r, u, k, ip, ua, rq, ec, em, rp, re, ad, rs, ri, st
  from json_to_recordset($1::json) as x(a text, p text, t timestamptz, i text, n text, ty text, s text, r boolean,
    u text, k text, ip text, ua text, rq text, ec text, em text, rp jsonb, re jsonb, ad jsonb, rs jsonb, ri text[], st text)
  on conflict do nothing
  returning 1`;

/** The row shape of INSERT_SQL's recordset (short keys keep the JSON small). */
function toInsertRow(e: StoredEvent) {
  return {
    a: e.accountId,
    p: e.project,
    t: e.eventTime.toISOString(),
    i: e.eventId,
    n: e.eventName,
    ty: e.eventType,
    s: e.eventSource,
    r: e.readOnly,
    u: e.userName,
    k: e.accessKeyId,
    ip: e.sourceIp,
    ua: e.userAgent,
    rq: e.requestId,
    ec: e.errorCode,
    em: e.errorMessage,
    rp: e.requestParameters,
    re: e.responseElements,
    ad: e.additionalEventData,
    rs: e.resources,
    ri: e.resourceIds,
    st: e.searchText,
  };
}

export interface InsertResult {
  accepted: number;
  duplicates: number;
}

/**
 * Stores a batch all-or-nothing. Idempotent: an event whose (account, eventTime, eventID) is
 * already stored — or repeated within the batch — counts as a duplicate and is not stored again.
 * Missing day partitions are created first, outside the insert (DDL would otherwise hold its
 * lock on `events` until the insert commits).
 */
export async function insertEvents(database: Database, events: StoredEvent[]): Promise<InsertResult> {
  if (events.length === 0) return { accepted: 0, duplicates: 0 };
  let min = events[0]!.eventTime;
  let max = min;
  for (const e of events) {
    if (e.eventTime < min) min = e.eventTime;
    if (e.eventTime > max) max = e.eventTime;
  }
  const payload = JSON.stringify(events.map(toInsertRow));
  await ensurePartitions(database, min, max);
  let rows: unknown[];
  try {
    rows = await nativeQuery(database, INSERT_SQL, [payload]);
  } catch (err) {
    // "no partition of relation found": another process dropped a partition this one had cached.
    if ((err as { code?: string }).code !== "23514") throw err;
    forgetPartitions(database);
    await ensurePartitions(database, min, max);
    rows = await nativeQuery(database, INSERT_SQL, [payload]);
  }
  return { accepted: rows.length, duplicates: events.length - rows.length };
}

// ---------------------------------------------------------------------------------------------
// Reading rows back

/**
 * Selected columns; the time as text with microseconds, so keyset cursors are exact. (Aliased to
 * another name: ORDER BY event_time would otherwise sort by the text and never use an index.)
 * search_text is not read back: it only repeats the other fields, so `toEvent` derives it on demand.
 */
export const SELECT_COLUMNS = `account_id, project, event_id,
  to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as event_time_text,
  event_name, event_type, event_source, read_only, user_name, access_key_id, source_ip, user_agent, request_id,
  error_code, error_message, request_parameters, response_elements, additional_event_data, resources,
  to_json(resource_ids) as resource_ids`;

export interface EventRow {
  account_id: string;
  project: string;
  event_id: string;
  event_time_text: string;
  event_name: string;
  event_type: string;
  event_source: string;
  read_only: boolean;
  user_name: string;
  access_key_id: string | null;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  error_code: string | null;
  error_message: string | null;
  request_parameters: unknown;
  response_elements: unknown;
  additional_event_data: unknown;
  resources: unknown;
  resource_ids: unknown;
}

/** json/jsonb arrive parsed from both drivers; accept text too in case a parser is swapped. */
function json<T>(v: unknown): T {
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
}

/** A stored event plus the exact cursor position of its row. */
export interface EventWithCursor {
  event: StoredEvent;
  cursor: { time: string; id: string };
}

/** A row selected with SELECT_COLUMNS as the core event record. */
export function toEvent(r: EventRow): StoredEvent {
  const event: Omit<StoredEvent, "searchText"> = {
    eventId: r.event_id,
    accountId: r.account_id,
    project: r.project,
    eventTime: new Date(r.event_time_text),
    eventName: r.event_name,
    eventType: r.event_type as EventType,
    eventSource: r.event_source,
    readOnly: r.read_only,
    userName: r.user_name,
    accessKeyId: r.access_key_id,
    sourceIp: r.source_ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    requestParameters: json(r.request_parameters),
    responseElements: json(r.response_elements),
    additionalEventData: json(r.additional_event_data),
    resources: json(r.resources) ?? [],
    resourceIds: json(r.resource_ids) ?? [],
  };
  // Derived on first read: reports and archives never read it, so they do not pay for it.
  let searchText: string | undefined;
  return Object.defineProperty(event, "searchText", {
    enumerable: true,
    get: () => (searchText ??= searchTextOf(event)),
  }) as StoredEvent;
}

/** One event by id within an account (newest, should a service reuse an id at another time). */
export async function getEvent(database: Database, accountId: string, eventId: string): Promise<StoredEvent | null> {
  const rows = await nativeQuery<EventRow>(
    database,
    `select ${SELECT_COLUMNS} from events where account_id = $1 and event_id = $2 order by event_time desc limit 1`,
    [accountId, eventId],
  );
  return rows[0] ? toEvent(rows[0]) : null;
}

// ---------------------------------------------------------------------------------------------
// Filtering

export interface EventQuery {
  accountId: string;
  filter: EventFilter;
  /** Both ends inclusive. */
  window: { start: Date; end: Date };
}

/** Escapes LIKE's metacharacters so a search term matches literally (backslash is LIKE's default escape). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Parameterised WHERE clause for account + window + every filter key (ANDed, exact, case-sensitive). */
export function buildWhere(q: EventQuery, params: unknown[] = []): { where: string; params: unknown[] } {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const f = q.filter;
  const conds = [
    `account_id = ${p(q.accountId)}`,
    `event_time >= ${p(q.window.start.toISOString())}::timestamptz`,
    `event_time <= ${p(q.window.end.toISOString())}::timestamptz`,
  ];
  if (f.eventId !== undefined) conds.push(`event_id = ${p(f.eventId)}`);
  if (f.eventName !== undefined) conds.push(`event_name = ${p(f.eventName)}`);
  if (f.readOnly !== undefined) conds.push(f.readOnly ? `read_only` : `not read_only`);
  if (f.userName !== undefined) conds.push(`user_name = ${p(f.userName)}`);
  if (f.eventSource !== undefined) conds.push(`event_source = ${p(f.eventSource)}`);
  if (f.accessKeyId !== undefined) conds.push(`access_key_id = ${p(f.accessKeyId)}`);
  if (f.project !== undefined) conds.push(`project = ${p(f.project)}`);
  if (f.errorsOnly) conds.push(`error_code is not null`);
  if (f.resourceName !== undefined) conds.push(`resource_ids @> array[${p(f.resourceName)}::text]`);
  if (f.resourceType !== undefined) conds.push(`resources @> ${p(JSON.stringify([{ type: f.resourceType }]))}::jsonb`);
  if (f.search !== undefined) conds.push(`search_text like ${p(`%${escapeLike(f.search)}%`)}`);
  return { where: conds.join(" and "), params };
}

/**
 * A resource id is usually rare, and the planner cannot know that a value is absent: with a LIMIT
 * it may prefer walking the time index hoping to meet matches early — which, for a miss, reads the
 * whole period. So a resource-id page is always fetched by a plan that cannot walk the time index
 * (the sort key is an expression): a bitmap scan of the GIN index plus a top-N sort, whose cost
 * follows the number of matches, never the length of the period.
 */
const TIME_INDEX_PROOF_ORDER = `event_time + interval '0 s' desc, event_id desc`;

export interface PageQuery extends EventQuery {
  limit: number;
  /** Keyset position: rows strictly older than (time, id) in feed order. */
  after?: { time: string; id: string };
}

/** One page newest-first by keyset on (event_time, event_id). */
export async function findEventPage(database: Database, q: PageQuery): Promise<EventWithCursor[]> {
  const { where, params } = buildWhere(q);
  let cond = where;
  if (q.after) {
    params.push(q.after.time, q.after.id);
    cond += ` and (event_time, event_id) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  // A literal LIMIT: as a parameter, a generic prepared plan would assume 10 % of the rows and sort.
  const limit = Math.max(1, Math.floor(q.limit));
  const order = q.filter.resourceName !== undefined ? TIME_INDEX_PROOF_ORDER : `event_time desc, event_id desc`;
  const rows = await nativeQuery<EventRow>(
    database,
    `select ${SELECT_COLUMNS} from events where ${cond} order by ${order} limit ${limit}`,
    params,
  );
  return rows.map((r) => ({ event: toEvent(r), cursor: { time: r.event_time_text, id: r.event_id } }));
}

// ---------------------------------------------------------------------------------------------
// Histogram

const MINUTE = 60_000;
export const HISTOGRAM_BUCKETS_MS = [1, 5, 15, 60, 180, 360, 1440].map((m) => m * MINUTE);
const MAX_BUCKETS = 120;

/** The smallest bucket giving at most 120 buckets (≈30–120 for periods from 30 minutes to 30 days). */
export function histogramBucketMs(window: { start: Date; end: Date }): number {
  const span = Math.max(1, window.end.getTime() - window.start.getTime());
  for (const b of HISTOGRAM_BUCKETS_MS) if (Math.ceil(span / b) <= MAX_BUCKETS) return b;
  return HISTOGRAM_BUCKETS_MS[HISTOGRAM_BUCKETS_MS.length - 1]!;
}

export interface Histogram {
  bucketMs: number;
  buckets: { start: Date; readOnly: number; write: number }[];
}

/** Event counts per time bucket (UTC-aligned), split read/write; empty buckets included. */
export async function eventHistogram(database: Database, q: EventQuery): Promise<Histogram> {
  const bucketMs = histogramBucketMs(q.window);
  const { where, params } = buildWhere(q);
  params.push(String(bucketMs));
  const b = `$${params.length}::int8`;
  const rows = await nativeQuery<{ b: string | number; ro: string | number; w: string | number }>(
    database,
    `select (floor(extract(epoch from event_time) * 1000 / ${b}) * ${b})::int8 as b,
            count(*) filter (where read_only) as ro, count(*) filter (where not read_only) as w
     from events where ${where} group by 1`,
    params,
  );
  const counts = new Map(rows.map((r) => [Number(r.b), r]));
  const first = Math.floor(q.window.start.getTime() / bucketMs) * bucketMs;
  const buckets: Histogram["buckets"] = [];
  for (let t = first; t <= q.window.end.getTime(); t += bucketMs) {
    const r = counts.get(t);
    buckets.push({ start: new Date(t), readOnly: Number(r?.ro ?? 0), write: Number(r?.w ?? 0) });
  }
  return { bucketMs, buckets };
}

// ---------------------------------------------------------------------------------------------
// Streaming and estimates

export interface StreamQuery extends EventQuery {
  batchSize?: number;
}

/**
 * Every matching event newest first, in batches, with flat memory: a server-side cursor on
 * postgres.js; keyset batches on PGlite (single connection, where a cursor would block others).
 */
export async function* streamEvents(database: Database, q: StreamQuery): AsyncIterable<StoredEvent[]> {
  const batchSize = q.batchSize ?? 1000;
  if (database.pg) {
    const { where, params } = buildWhere(q);
    const cursor = database.pg
      .unsafe(`select ${SELECT_COLUMNS} from events where ${where} order by event_time desc, event_id desc`, params as never[], { prepare: false })
      .cursor(batchSize);
    for await (const rows of cursor) yield (rows as unknown as EventRow[]).map(toEvent);
    return;
  }
  let after: PageQuery["after"];
  for (;;) {
    const page = await findEventPage(database, { ...q, limit: batchSize, after });
    if (page.length === 0) return;
    yield page.map((x) => x.event);
    if (page.length < batchSize) return;
    after = page[page.length - 1]!.cursor;
  }
}

/** The planner's row estimate for a query (cheap; for progress bars and report sizing). */
export async function estimateEventCount(database: Database, q: EventQuery): Promise<number> {
  const { where, params } = buildWhere(q);
  // EXPLAIN cannot take bind parameters on every driver path: inline them as literals.
  const text = `explain (format json) select 1 from events where ${inlineParams(where, params)}`;
  const rows = await nativeQuery<{ "QUERY PLAN": unknown }>(database, text);
  const plan = json<{ Plan: { "Plan Rows": number } }[]>(rows[0]?.["QUERY PLAN"]);
  return Math.round(plan[0]?.Plan["Plan Rows"] ?? 0);
}

function inlineParams(text: string, params: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => `'${String(params[Number(n) - 1]).replace(/'/g, "''")}'`);
}
