import {
  type EventFilter,
  type EventType,
  histogramBucketMs,
  histogramBucketStarts,
  type Resource,
  rollupSpan,
  searchTextOf,
  type SerializedReportEvent,
  type StoredEvent,
  toSerializedReportEvent,
} from "@activity-log/core";
import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";
import { ensurePartitions, forgetPartitions } from "./partitions.ts";

/**
 * The events store: batch insert, point read, filtered newest-first pages, histogram, streaming
 * and estimates. Queries are raw SQL on the native driver (not Drizzle) because they need
 * partition-aware plans, cursors and row comparisons; every one carries account_id first.
 */

// ---------------------------------------------------------------------------------------------
// Insert

const INSERT_COLUMNS = `account_id, project, event_time, event_id, event_name, event_type, event_source, read_only,
  user_name, access_key_id, source_ip, user_agent, request_id, error_code, error_message, request_parameters,
  response_elements, additional_event_data, resources, resource_ids, search_text`;

/**
 * The whole batch travels as one JSON parameter and is unpacked by json_to_recordset: one round
 * trip, no 65,534-parameter limit, no per-driver array typing, and the same statement on
 * postgres.js and PGlite. One statement is one transaction: the batch is stored whole or not at all.
 * An event is stored only if its (account, eventID) key is new in `event_ids` (migration
 * 0006_event_ids): a repeat is a duplicate whatever its eventTime. Keys are claimed in key order,
 * so two concurrent batches sharing ids wait on each other rather than deadlock.
 */
const INSERT_SQL = `with x as (
    select * from json_to_recordset($1::json) as x(a text, p text, t timestamptz, i text, n text, ty text, s text, r boolean,
      u text, k text, ip text, ua text, rq text, ec text, em text, rp jsonb, re jsonb, ad jsonb, rs jsonb, ri text[], st text)
  ), fresh as (
    insert into event_ids (account_id, event_id, event_time) select a, i, t from x order by a, i
    on conflict do nothing
    returning account_id, event_id
  )
  insert into events (${INSERT_COLUMNS})
  select a, p, t, i, n, ty, s, r, u, k, ip, ua, rq, ec, em, rp, re, ad, rs, ri, st
  from x join fresh on fresh.account_id = x.a and fresh.event_id = x.i
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
 * Stores a batch all-or-nothing. Idempotent: an event whose (account, eventID) is already stored
 * within retention — or repeated within the batch (the first one wins) — counts as a duplicate and
 * is not stored again, whatever its eventTime.
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
  const payload = JSON.stringify(firstOfEachId(events).map(toInsertRow));
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

/** The batch without repeats of an (account, eventID) pair: the first occurrence stays. */
function firstOfEachId(events: StoredEvent[]): StoredEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const key = `${e.accountId}\u0000${e.eventId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading rows back

/**
 * The plain columns every read selects; the time as text with microseconds, so keyset cursors are
 * exact. (Aliased to another name: ORDER BY event_time would otherwise sort by the text and never
 * use an index.) search_text is not read back: it only repeats the other fields, so `toEvent`
 * derives it on demand.
 */
const SCALAR_COLUMNS = `account_id, project, event_id,
  to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as event_time_text,
  event_name, event_type, event_source, read_only, user_name, access_key_id, source_ip, user_agent, request_id,
  error_code, error_message`;

export const SELECT_COLUMNS = `${SCALAR_COLUMNS}, request_parameters, response_elements, additional_event_data, resources,
  to_json(resource_ids) as resource_ids`;

interface ScalarRow {
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
}

function scalarFields(r: ScalarRow) {
  return {
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
  };
}

export interface EventRow extends ScalarRow {
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
    ...scalarFields(r),
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
export function buildWhere(q: EventQuery, params: unknown[] = [], opts: { searchByIndex?: boolean } = {}): { where: string; params: unknown[] } {
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
  // `searchByIndex: false` hides the column from the trigram index (an expression it does not
  // cover), for a caller that reads a short slice of time and must not scan a day's index for it.
  const searchText = opts.searchByIndex === false ? `(search_text || '')` : "search_text";
  if (f.search !== undefined) conds.push(`${searchText} like ${p(`%${escapeLike(f.search)}%`)}`);
  return { where: conds.join(" and "), params };
}

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
  // Resource ids, rare or common, are left to the planner: with the GIN index vacuumed and the
  // element statistics of resource_ids, it picks the GIN bitmap for a rare or absent id and the time
  // index for a common one (10 M events: miss 10 ms, common id 11 ms; forcing the bitmap for every
  // id cost 270 ms on a common one — BENCHMARKS.md).
  const order = `event_time desc, event_id desc`;
  const rows = await nativeQuery<EventRow>(database, `select ${SELECT_COLUMNS} from events where ${cond} order by ${order} limit ${limit}`, params);
  return rows.map((r) => ({ event: toEvent(r), cursor: { time: r.event_time_text, id: r.event_id } }));
}

// ---------------------------------------------------------------------------------------------
// Histogram

export interface Histogram {
  bucketMs: number;
  buckets: { start: Date; readOnly: number; write: number }[];
}

/** Event counts per time bucket (UTC-aligned), split read/write; empty buckets included. */
export async function eventHistogram(database: Database, q: EventQuery): Promise<Histogram> {
  const bucketMs = histogramBucketMs(q.window);
  const rows = (await rollupHistogramRows(database, q, bucketMs)) ?? (await liveHistogramRows(database, q, bucketMs));
  const counts = new Map(rows.map((r) => [Number(r.b), r]));
  const buckets = histogramBucketStarts(q.window, bucketMs).map((t) => {
    const r = counts.get(t);
    return { start: new Date(t), readOnly: Number(r?.ro ?? 0), write: Number(r?.w ?? 0) };
  });
  return { bucketMs, buckets };
}

type HistogramRow = { b: string | number; ro: string | number; w: string | number };

/** The bucket (epoch ms) of `column`, for a bucket-size parameter `b`. */
const bucketOf = (column: string, b: string) => `(floor(extract(epoch from ${column}) * 1000 / ${b}) * ${b})::int8`;

/** Counts every matching row (used when the rollups cannot answer the filter). */
export async function liveHistogramRows(database: Database, q: EventQuery, bucketMs: number): Promise<HistogramRow[]> {
  const { where, params } = buildWhere(q);
  params.push(String(bucketMs));
  const b = `$${params.length}::int8`;
  return nativeQuery<HistogramRow>(
    database,
    `select ${bucketOf("event_time", b)} as b,
            count(*) filter (where read_only) as ro, count(*) filter (where not read_only) as w
     from events where ${where} group by 1`,
    params,
  );
}

/**
 * The same counts from event_rollups (see db/event-rollups.ts), or null when they cannot answer
 * (core rollupSpan says when) or no rollup run happened yet. In ONE statement (one snapshot, so consistent
 * with a rollup run committing meanwhile):
 *  - rollups of the 5-minute buckets wholly inside the window, [lo, hi);
 *  - live rows in [lo, hi) with ingest_xid ≥ the stored horizon (not rolled up yet);
 *  - live rows at the window's edges, [start, lo) and [hi, end].
 * The horizon is read first so the planner sees its value; the statement returns the horizon it saw
 * and is retried should a rollup run have committed in between.
 */
export async function rollupHistogramRows(database: Database, q: EventQuery, bucketMs: number): Promise<HistogramRow[] | null> {
  const span = rollupSpan(q.filter, q.window, bucketMs);
  if (!span) return null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [state] = await nativeQuery<{ h: string }>(database, `select horizon::text as h from event_rollup_state`);
    if (!state) return null;
    const { where, params } = buildWhere(q);
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const b = `${p(String(bucketMs))}::int8`;
    const loP = `${p(span.lo.toISOString())}::timestamptz`;
    const hiP = `${p(span.hi.toISOString())}::timestamptz`;
    const hP = `${p(state.h)}::xid8`;
    const rollupConds = [`account_id = $1` /* buildWhere's first parameter */, `bucket_start >= ${loP}`, `bucket_start < ${hiP}`];
    if (q.filter.readOnly !== undefined) rollupConds.push(q.filter.readOnly ? `read_only` : `not read_only`);
    if (q.filter.errorsOnly) rollupConds.push(`errors`);
    const live = (cond: string) =>
      `select ${bucketOf("event_time", b)} as b, count(*) filter (where read_only) as ro, count(*) filter (where not read_only) as w
       from events where ${where} and ${cond} group by 1`;
    const rows = await nativeQuery<HistogramRow & { h: string | null }>(
      database,
      `select null::int8 as b, 0::int8 as ro, 0::int8 as w, (select horizon::text from event_rollup_state) as h
       union all
       select b, sum(ro)::int8, sum(w)::int8, null from (
         select ${bucketOf("bucket_start", b)} as b, sum(n) filter (where read_only) as ro, sum(n) filter (where not read_only) as w
         from event_rollups where ${rollupConds.join(" and ")} group by 1
         union all ${live(`event_time >= ${loP} and event_time < ${hiP} and ingest_xid >= ${hP}`)}
         union all ${live(`event_time < ${loP}`)}
         union all ${live(`event_time >= ${hiP}`)}
       ) parts group by b`,
      params,
    );
    // Not rows[0]: a parallel append may return the branches in any order.
    if (rows.find((r) => r.b === null)?.h === state.h) return rows.filter((r) => r.b !== null);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Streaming and estimates

export interface StreamQuery extends EventQuery {
  batchSize?: number;
}

/** A row's key in feed order: its time (text with microseconds, as SCALAR_COLUMNS writes it) and id. */
export interface EventKey {
  time: string;
  id: string;
}

/**
 * A slice of a report's rows in feed order (newest first): rows strictly older than `after`
 * (none: from the newest) down to and including `through` (none: to the oldest).
 */
export interface KeyRange {
  after?: EventKey;
  through?: EventKey;
}

export interface ReportStreamQuery extends StreamQuery {
  range?: KeyRange;
}

export function rangeCondition(range: KeyRange | undefined, params: unknown[]): string {
  let cond = "";
  if (range?.after) {
    params.push(range.after.time, range.after.id);
    cond += ` and (event_time, event_id) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  if (range?.through) {
    params.push(range.through.time, range.through.id);
    cond += ` and (event_time, event_id) >= ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  return cond;
}

/**
 * Splits a report's rows into consecutive key ranges of `rowsPerRange` rows each (the last one
 * shorter), in one pass over the matching keys: the key of every rowsPerRange-th row in feed order
 * ends a range. Postgres only (the parallel path); the ranges cover every row (after `from`, if
 * given) exactly once.
 */
export async function planKeyRanges(database: Database, q: EventQuery, rowsPerRange: number, from?: EventKey): Promise<KeyRange[]> {
  if (!database.pg) throw new Error("key ranges are planned on Postgres only");
  const { where: base, params } = buildWhere(q);
  const where = base + rangeCondition(from ? { after: from } : undefined, params);
  params.push(Math.max(1, Math.floor(rowsPerRange)));
  const ends = await database.pg.unsafe<{ time: string; id: string }[]>(
    `select to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as time, event_id as id from (
       select event_time, event_id, row_number() over (order by event_time desc, event_id desc) as n from events where ${where}
     ) k where n % $${params.length} = 0 order by event_time desc, event_id desc`,
    params as never[],
  );
  const ranges: KeyRange[] = [];
  let after = from;
  for (const end of ends) {
    const through = { time: end.time, id: end.id };
    ranges.push(after ? { after, through } : { through });
    after = through;
  }
  ranges.push(after ? { after } : {});
  return ranges;
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

// ---------------------------------------------------------------------------------------------
// Report rows

/**
 * What reports read: only the columns a report shows, and the jsonb columns as text — the driver
 * would otherwise JSON.parse what the report serialises again at once.
 */
const REPORT_COLUMNS = `${SCALAR_COLUMNS}, request_parameters::text as request_parameters,
  response_elements::text as response_elements, additional_event_data::text as additional_event_data,
  resources::text as resources`;

interface ReportEventRow extends ScalarRow {
  request_parameters: string | null;
  response_elements: string | null;
  additional_event_data: string | null;
  resources: string | null;
}

function toReportEvent(r: ReportEventRow): SerializedReportEvent {
  return {
    ...scalarFields(r),
    requestParametersJson: compactJsonb(r.request_parameters),
    responseElementsJson: compactJsonb(r.response_elements),
    additionalEventDataJson: compactJsonb(r.additional_event_data),
    resources: r.resources === null ? [] : (JSON.parse(r.resources) as Resource[]),
  };
}

/**
 * jsonb's text output as `JSON.stringify(JSON.parse(text))` would write it, without building the
 * value. Postgres writes jsonb with one space after each `,` and `:` outside strings, escapes
 * strings the way JSON.stringify does, and orders keys by (length, bytes); the spaces are dropped
 * here. The two cases where a parse/stringify round trip would change more than spacing take
 * that round trip instead: a number JavaScript writes differently (`1.50`, `1e+21`, `-0`, past
 * 2^53), and an all-digit key (JavaScript puts integer keys first).
 */
export function compactJsonb(text: string | null): string | null {
  if (text === null) return null;
  const n = text.length;
  let out = "";
  let from = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = ++i;
      let digits = true;
      for (;;) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) {
          i += 2;
          digits = false;
        } else if (d === 34) break;
        else if (i >= n) return JSON.stringify(JSON.parse(text));
        else {
          if (d < 48 || d > 57) digits = false;
          i++;
        }
      }
      i++;
      if (digits && i > start + 1 && text.charCodeAt(i) === 58 /* : */) return JSON.stringify(JSON.parse(text));
    } else if (c === 32 /* space */) {
      out += text.slice(from, i);
      from = ++i;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
      }
      const token = text.slice(i, j);
      if (String(Number(token)) !== token) return JSON.stringify(JSON.parse(text));
      i = j;
    } else i++;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** One batch of report rows and the key of its last row (where a resumed report continues). */
export interface ReportBatch {
  events: SerializedReportEvent[];
  last: EventKey;
}

/**
 * streamEvents for reports: the same rows in the same order, as SerializedReportEvent, optionally
 * limited to a key range. On postgres.js the next batch is requested before the current one is
 * handed out, so the server reads it while the report renders this one (at most two batches in
 * memory). On PGlite, keyset batches; a range there may only have a start (`after`).
 */
export async function* streamReportEvents(database: Database, q: ReportStreamQuery): AsyncIterable<ReportBatch> {
  const batchSize = q.batchSize ?? 1000;
  if (!database.pg) {
    if (q.range?.through) throw new Error("closed key ranges are read on Postgres only");
    let after = q.range?.after;
    for (;;) {
      const page = await findEventPage(database, { ...q, limit: batchSize, after });
      if (page.length === 0) return;
      after = page[page.length - 1]!.cursor;
      yield { events: page.map((x) => toSerializedReportEvent(x.event)), last: after };
      if (page.length < batchSize) return;
    }
  }
  const { where: base, params } = buildWhere(q);
  const where = base + rangeCondition(q.range, params);
  const cursor = database.pg
    .unsafe(`select ${REPORT_COLUMNS} from events where ${where} order by event_time desc, event_id desc`, params as never[], { prepare: false })
    .cursor(batchSize);
  const iterator = cursor[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<unknown[]>> | undefined = iterator.next() as Promise<IteratorResult<unknown[]>>;
  try {
    for (;;) {
      const next = await pending;
      pending = undefined;
      if (next.done) return;
      pending = iterator.next() as Promise<IteratorResult<unknown[]>>;
      const rows = next.value as ReportEventRow[];
      const tail = rows[rows.length - 1]!;
      yield { events: rows.map(toReportEvent), last: { time: tail.event_time_text, id: tail.event_id } };
    }
  } finally {
    // Stopped early: let a batch already asked for arrive, then close the portal (postgres.js
    // would otherwise wait for the next request forever and keep the connection).
    if (pending) {
      const last = await pending.catch(() => ({ done: true as const, value: undefined }));
      if (!last.done) await iterator.return?.();
    }
  }
}
