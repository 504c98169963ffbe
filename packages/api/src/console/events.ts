/**
 * The Events view's queries. The page query is LookupEvents' own (events/query-service.ts): same
 * window clamping to retention, same signed page tokens, same errors. Details and the histogram
 * stay inside the retention window too, so the console never shows what LookupEvents would not.
 */
import { type Caller, DEFAULT_MAX_RESULTS, DomainError, resolveTimeWindow } from "@activity-log/core";
import { getQuotas } from "../db/iam.ts";
import { eventFacets, type Facets, noFacets } from "../db/event-facets.ts";
import { eventHistogram, getEvent } from "../db/events.ts";
import { withStatementTimeout } from "../db/statement-timeout.ts";
import type { AppDeps } from "../deps.ts";
import { queryEventPage } from "../events/query-service.ts";
import { eventFilterOf, type FilterQuery } from "./validation.ts";
import { type ConsoleEvent, type ConsoleEventDetails, toConsoleEvent, toConsoleEventDetails } from "./views.ts";

export type EventsPage = {
  events: ConsoleEvent[];
  nextToken: string | null;
  window: { start: string; end: string };
  retentionDays: number;
};

export async function consoleEvents(
  deps: AppDeps,
  caller: Caller,
  q: FilterQuery & { limit?: number | undefined; nextToken?: string | undefined },
): Promise<EventsPage> {
  const { retentionDays } = await getQuotas(deps.database.db, caller.accountId);
  const page = await queryEventPage(deps, {
    accountId: caller.accountId,
    retentionDays,
    filter: eventFilterOf(q),
    start: q.start,
    end: q.end,
    maxResults: q.limit ?? DEFAULT_MAX_RESULTS,
    nextToken: q.nextToken,
  });
  return {
    events: page.events.map(toConsoleEvent),
    nextToken: page.nextToken ?? null,
    window: { start: page.window.start.toISOString(), end: page.window.end.toISOString() },
    retentionDays,
  };
}

export async function eventDetails(deps: AppDeps, caller: Caller, eventId: string): Promise<ConsoleEventDetails> {
  const { retentionDays } = await getQuotas(deps.database.db, caller.accountId);
  const event = await getEvent(deps.database, caller.accountId, eventId);
  const window = resolveTimeWindow({}, deps.clock.now(), retentionDays);
  if (!event || event.eventTime < window.start) {
    throw new DomainError("NotFoundException", `Event ${eventId} was not found in the last ${retentionDays} days.`);
  }
  return toConsoleEventDetails(event, deps.config.region);
}

export type Histogram = {
  bucketMs: number;
  buckets: { start: string; readOnly: number; write: number }[];
  window: { start: string; end: string };
};

export async function consoleHistogram(deps: AppDeps, caller: Caller, q: FilterQuery): Promise<Histogram> {
  const { retentionDays } = await getQuotas(deps.database.db, caller.accountId);
  const window = resolveTimeWindow({ start: q.start, end: q.end }, deps.clock.now(), retentionDays);
  const span = { start: window.start.toISOString(), end: window.end.toISOString() };
  if (window.empty) return { bucketMs: 0, buckets: [], window: span };
  const filter = eventFilterOf(q);
  const h = await withStatementTimeout(deps.config.queryTimeoutMs, () => eventHistogram(deps.database, { accountId: caller.accountId, filter, window }));
  return {
    bucketMs: h.bucketMs,
    buckets: h.buckets.map((b) => ({ start: new Date(b.start).toISOString(), readOnly: b.readOnly, write: b.write })),
    window: span,
  };
}

/** Events the facet counts are taken over at most: the newest matching ones (BENCHMARKS.md). */
export const FACET_SAMPLE = 10_000;
/** Time the facets' walk back through the period may take before it answers with what it found (BENCHMARKS.md). */
export const FACET_BUDGET_MS = 35;
const FACET_TOP = 8;

export async function consoleFacets(deps: AppDeps, caller: Caller, q: FilterQuery): Promise<Facets & { window: { start: string; end: string } }> {
  const { retentionDays } = await getQuotas(deps.database.db, caller.accountId);
  const window = resolveTimeWindow({ start: q.start, end: q.end }, deps.clock.now(), retentionDays);
  const span = { start: window.start.toISOString(), end: window.end.toISOString() };
  if (window.empty) return { ...noFacets(), window: span };
  const facets = await eventFacets(
    deps.database,
    { accountId: caller.accountId, filter: eventFilterOf(q), window },
    { sampleSize: FACET_SAMPLE, top: FACET_TOP, budgetMs: FACET_BUDGET_MS },
  );
  return { ...facets, window: span };
}
