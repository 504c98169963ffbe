import { buildWhere, type EventQuery } from "./events.ts";
import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";

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
   * the period — its start, or, when `sampled`, the oldest event counted or the oldest hour walked.
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
  /** Width of the slices the walk takes, newest first (ms; default one hour). */
  stepMs?: number;
}

const HOUR_MS = 3_600_000;

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
 * Top values with counts per field over the newest matching events, in one statement. The period
 * is walked newest first in slices of `stepMs` (as a first page reads: each slice is a short walk
 * of one day's index), until `sampleSize` events are found, the period is done, or `budgetMs` is
 * spent. So the cost is bounded whatever the filter or the period: a narrow filter whose newest
 * matches are spread over days, or a common search term, which over the whole period the planner
 * would answer from the trigram index and a sort of every match. The answer says what it covers:
 * every match from `since` to the end of the period.
 */
export async function eventFacets(database: Database, q: EventQuery, opts: FacetOptions): Promise<Facets> {
  const { where, params } = buildWhere(q);
  // Literal numbers (see findEventPage: a parameter LIMIT would get a generic plan that sorts).
  const sample = Math.max(1, Math.floor(opts.sampleSize));
  const top = Math.max(1, Math.floor(opts.top));
  const step = Math.max(1, Math.floor(opts.stepMs ?? HOUR_MS));
  const budget = Math.max(0, Math.floor(opts.budgetMs));
  const stepInterval = `interval '${step} milliseconds'`;
  params.push(q.window.end.toISOString(), q.window.start.toISOString());
  const [end, start] = [`$${params.length - 1}::timestamptz`, `$${params.length}::timestamptz`];
  const scalar = Object.entries(COLUMN).map(
    ([field, column]) => `(select '${field}', ${column}, count(*), null from s group by ${column} order by 3 desc, 2 limit ${top})`,
  );
  const resources = `(select 'resource', r, count(*), null from s, unnest(s.resource_ids) as r group by r order by 3 desc, 2 limit ${top})`;
  // `walk` has a row per event and one (all null but t) per slice with none, so the walk's end is
  // known: when it stopped short of `sample` rows, every slice it reached was read to the end.
  // The deadline is an InitPlan, fixed when the first slice is taken; the first slice always runs.
  const rows = await nativeQuery<{ f: string; v: string | null; n: string | number; since: string | null }>(
    database,
    `with walk as materialized (
       select c.t, x.* from (
         select t from generate_series(${end}, ${start}, -${stepInterval}) as t
         where (select clock_timestamp() + interval '${budget} milliseconds') > clock_timestamp() or t = ${end}
         offset 0
       ) c
       left join lateral (
         select user_name, event_name, event_source, project, resource_ids, event_time from events
         where ${where} and event_time <= c.t and event_time > c.t - ${stepInterval}
         order by event_time desc, event_id desc limit ${sample}
       ) x on true
       limit ${sample}
     ),
     s as (select * from walk where event_time is not null)
     select '' as f, null as v, (select count(*) from s) as n,
       to_char(greatest(${start}, case when count(*) >= ${sample} then min(coalesce(event_time, t - ${stepInterval})) else min(t) - ${stepInterval} end)
         at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as since
     from walk
     union all ${[...scalar, resources].join(" union all ")}`,
    params,
  );
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
