import { buildWhere, type EventQuery } from "./events.ts";
import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";

/** The fields the Events view shows top values of. */
const FACET_FIELDS = ["userName", "eventName", "eventSource", "project", "resource"] as const;
type FacetField = (typeof FACET_FIELDS)[number];

export interface Facets {
  /** Matching events the counts were taken over: all of them, or the newest `limit` when `sampled`. */
  counted: number;
  /** True when the sample was full: more events may match than were counted (the counts are over the newest ones). */
  sampled: boolean;
  facets: Record<FacetField, { value: string; count: number }[]>;
}

const COLUMN: Record<Exclude<FacetField, "resource">, string> = {
  userName: "user_name",
  eventName: "event_name",
  eventSource: "event_source",
  project: "project",
};

/** The answer for a period with nothing in it. */
export function noFacets(): Facets {
  return { counted: 0, sampled: false, facets: Object.fromEntries(FACET_FIELDS.map((f) => [f, []])) as unknown as Facets["facets"] };
}

/**
 * Top values with counts per field over the events matching a filter, in one statement. The
 * counts are taken over the newest `sampleSize` matching events (one backward walk of the same
 * index a first page uses, so the cost is bounded whatever the period): exact whenever fewer
 * events match, and "among the newest N" — which the answer says — when more do.
 */
export async function eventFacets(database: Database, q: EventQuery, opts: { sampleSize: number; top: number }): Promise<Facets> {
  const { where, params } = buildWhere(q);
  const sample = Math.max(1, Math.floor(opts.sampleSize));
  const top = Math.max(1, Math.floor(opts.top));
  // Literal LIMITs (see findEventPage: a parameter would get a generic plan that sorts).
  const scalar = Object.entries(COLUMN).map(
    ([field, column]) => `(select '${field}' as f, ${column} as v, count(*) as n from s group by ${column} order by n desc, v limit ${top})`,
  );
  const resources = `(select 'resource' as f, r as v, count(*) as n from s, unnest(s.resource_ids) as r group by r order by n desc, v limit ${top})`;
  const rows = await nativeQuery<{ f: string; v: string | null; n: string | number }>(
    database,
    `with s as materialized (
       select user_name, event_name, event_source, project, resource_ids from events where ${where}
       order by event_time desc, event_id desc limit ${sample}
     )
     select '' as f, null as v, count(*) as n from s
     union all ${[...scalar, resources].join(" union all ")}`,
    params,
  );
  const { facets } = noFacets();
  let matched = 0;
  for (const r of rows) {
    if (r.f === "") matched = Number(r.n);
    else if (r.v !== null) facets[r.f as FacetField].push({ value: r.v, count: Number(r.n) });
  }
  // A full sample may also be exactly every match; "over the newest N" is true either way.
  return { counted: matched, sampled: matched >= sample, facets };
}
