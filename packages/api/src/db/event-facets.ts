import type { EventFilter } from "@activity-log/core";
import { buildWhere, type EventQuery } from "./events.ts";
import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";
import { isQueryCanceled } from "./statement-timeout.ts";

/** The fields the Events view shows top values of. */
const FACET_FIELDS = ["userName", "eventName", "eventSource", "project", "resource"] as const;
type FacetField = (typeof FACET_FIELDS)[number];

export interface Facets {
  /** Matching events the counts were taken over: every match from `since` to the end of the period. */
  counted: number;
  /** True when the counts do not cover the whole period (`since` is after its start): more events may match. */
  sampled: boolean;
  /**
   * Where the counts begin (ISO time): they are over every matching event from here to the end of
   * the period — its start, or, when `sampled`, the oldest event counted or the oldest slice walked.
   * Null for an empty period.
   */
  since: string | null;
  facets: Record<FacetField, { value: string; count: number }[]>;
}

export interface FacetOptions {
  /** Events counted at most: the newest matching ones. */
  sampleSize: number;
  top: number;
  /** Time the walk back through the period may take before it stops where it is (ms). */
  budgetMs: number;
  /** Width of the slices the walk takes, newest first (ms; default half an hour). */
  stepMs?: number;
}

/** Short enough that the slice running when the budget is spent adds little (BENCHMARKS.md). */
const SLICE_MS = 1_800_000;

const COLUMN: Record<Exclude<FacetField, "resource">, string> = {
  userName: "user_name",
  eventName: "event_name",
  eventSource: "event_source",
  project: "project",
};

/** The answer for a period with nothing in it. */
export function noFacets(): Facets {
  return {
    counted: 0,
    sampled: false,
    since: null,
    facets: Object.fromEntries(FACET_FIELDS.map((f) => [f, []])) as unknown as Facets["facets"],
  };
}

/**
 * Top values with counts per field over the newest matching events. The period is walked newest
 * first in slices (walkFacets), so the cost is bounded whatever the filter or the period. A filter
 * only a GIN index narrows (free text, a resource) that matches little is the one case the walk
 * answers badly — it reads every slice to find nothing — so when the walk ran out of time having
 * found few, the newest matches are asked for through the index instead (newestFacets): the walk
 * has half the budget then, the index the whole budget, and if it does not finish in time the
 * walk's answer stands.
 */
export async function eventFacets(database: Database, q: EventQuery, opts: FacetOptions): Promise<Facets> {
  if (!narrowedByGinOnly(q.filter)) return walkFacets(database, q, opts);
  // Half the budget for the walk, so that the index still has the whole budget after it.
  const walked = await walkFacets(database, q, { ...opts, budgetMs: opts.budgetMs / 2 });
  if (!walked.sampled || walked.counted >= opts.sampleSize) return walked;
  // Matches over the whole period at the rate the walk found them: too many to sort in time?
  const covered = q.window.end.getTime() - Date.parse(walked.since!);
  const expected = (walked.counted * (q.window.end.getTime() - q.window.start.getTime())) / Math.max(1, covered);
  if (expected > opts.sampleSize) return walked;
  return (await newestFacets(database, q, opts)) ?? walked;
}

/** Filters no btree index serves: a slice of the walk reads every event of its time for them. */
function narrowedByGinOnly(f: EventFilter): boolean {
  return f.search !== undefined || f.resourceName !== undefined || f.resourceType !== undefined;
}

type FacetRow = { f: string; v: string | null; n: string | number; since: string | null };

/** The top-values part of a facets statement over a CTE `s` of the counted events. */
function topValues(top: number): string {
  const scalar = Object.entries(COLUMN).map(
    ([field, column]) => `(select '${field}', ${column}, count(*), null from s group by ${column} order by 3 desc, 2 limit ${top})`,
  );
  const resources = `(select 'resource', r, count(*), null from s, unnest(s.resource_ids) as r group by r order by 3 desc, 2 limit ${top})`;
  return [...scalar, resources].join(" union all ");
}

const isoText = (expr: string) => `to_char((${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

function facetsOf(rows: FacetRow[], q: EventQuery): Facets {
  const { facets } = noFacets();
  let counted = 0;
  let since = q.window.start.toISOString();
  for (const r of rows) {
    if (r.f === "") {
      counted = Number(r.n);
      since = r.since ?? since;
    } else if (r.v !== null) facets[r.f as FacetField].push({ value: r.v, count: Number(r.n) });
  }
  return { counted, sampled: Date.parse(since) > q.window.start.getTime(), since, facets };
}

/**
 * The period walked newest first in slices of `stepMs` (as a first page reads: each slice is a
 * short walk of one day's index), until `sampleSize` events are found, the period is done, or
 * `budgetMs` is spent; then the top values, all in one statement. Over a whole period the planner
 * would answer a narrow filter by reading its matches spread over days, and a common search term
 * from the trigram index and a sort of every match.
 */
async function walkFacets(database: Database, q: EventQuery, opts: FacetOptions): Promise<Facets> {
  // Search text is matched row by row along the time index: the trigram index would be read whole
  // for every slice, and a common term's trigrams cover most of a day.
  const { where, params } = buildWhere(q, [], { searchByIndex: false });
  // Literal numbers (see findEventPage: a parameter LIMIT would get a generic plan that sorts).
  const sample = Math.max(1, Math.floor(opts.sampleSize));
  const step = `interval '${Math.max(1, Math.floor(opts.stepMs ?? SLICE_MS))} milliseconds'`;
  const budget = `interval '${Math.max(0, Math.floor(opts.budgetMs))} milliseconds'`;
  params.push(q.window.end.toISOString(), q.window.start.toISOString());
  const [end, start] = [`$${params.length - 1}::timestamptz`, `$${params.length}::timestamptz`];
  // `walk` has a row per event and one (all null but t) per slice with none, so the walk's end is
  // known: when it stopped short of `sample` rows, every slice it reached was read to the end.
  // The deadline is an InitPlan, fixed when the first slice is taken; the first slice always runs.
  const rows = await queryWith<FacetRow>(
    database,
    { jit: "off" },
    `with walk as materialized (
       select c.t, x.* from (
         select t from generate_series(${end}, ${start}, -${step}) as t
         where (select clock_timestamp() + ${budget}) > clock_timestamp() or t = ${end}
         offset 0
       ) c
       left join lateral (
         select user_name, event_name, event_source, project, resource_ids, event_time from events
         where ${where} and event_time <= c.t and event_time > c.t - ${step}
         order by event_time desc, event_id desc limit ${sample}
       ) x on true
       limit ${sample}
     ),
     s as (select * from walk where event_time is not null)
     select '' as f, null as v, (select count(*) from s) as n,
       ${isoText(`greatest(${start}, case when count(*) >= ${sample} then min(coalesce(event_time, t - ${step})) else min(t) - ${step} end)`)} as since
     from walk
     union all ${topValues(Math.max(1, Math.floor(opts.top)))}`,
    params,
  );
  return facetsOf(rows, q);
}

/**
 * The newest `sampleSize` matching events of the whole period as the planner sees fit (the GIN
 * index, then a sort), then the top values; undefined when that takes longer than `budgetMs`.
 * PGlite cannot cancel a statement: there it runs to the end.
 */
async function newestFacets(database: Database, q: EventQuery, opts: FacetOptions): Promise<Facets | undefined> {
  const { where, params } = buildWhere(q);
  const sample = Math.max(1, Math.floor(opts.sampleSize));
  const text = `with s as materialized (
       select user_name, event_name, event_source, project, resource_ids, event_time from events where ${where}
       order by event_time desc, event_id desc limit ${sample}
     )
     select '' as f, null as v, count(*) as n, case when count(*) >= ${sample} then ${isoText("min(event_time)")} end as since from s
     union all ${topValues(Math.max(1, Math.floor(opts.top)))}`;
  try {
    const rows = await queryWith<FacetRow>(database, { jit: "off", statement_timeout: String(Math.max(1, Math.floor(opts.budgetMs))) }, text, params);
    return facetsOf(rows, q);
  } catch (error) {
    if (isQueryCanceled(error)) return undefined;
    throw error;
  }
}

/**
 * One statement with settings of its own (SET LOCAL in a transaction) on Postgres; as it is on
 * PGlite, which has neither JIT nor a way to cancel. JIT is off for the facets statements: their
 * estimated cost (every slice of the period, every partition) is far above the JIT thresholds,
 * and compiling the plan took seconds at 10 M events where running it takes milliseconds.
 */
async function queryWith<T>(database: Database, settings: Record<string, string>, text: string, params: unknown[]): Promise<T[]> {
  if (!database.pg) return nativeQuery<T>(database, text, params);
  const rows = await database.pg.begin(async (tx) => {
    for (const [name, value] of Object.entries(settings)) await tx.unsafe(`set local ${name} = '${value}'`);
    return tx.unsafe(text, params as never[], { prepare: false });
  });
  return rows as unknown as T[];
}
