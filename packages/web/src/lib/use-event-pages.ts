/**
 * The Events table's paging: the first page on every query change, more pages on demand (the table
 * asks when scrolled near its end). An answer that arrives after the query changed is dropped, so a
 * slow old page never overwrites a newer one; an error keeps the page usable with `reload`.
 */
import { type Accessor, batch, createEffect, createSignal, on } from "solid-js";
import { api, call, type ConsoleEvent } from "../api.ts";
import { type ApiFilter, queryOf } from "./filters.ts";

const PAGE_SIZE = "100";

export type EventPages = {
  /** The events loaded so far, newest first. Kept while the next query loads. */
  events: Accessor<ConsoleEvent[]>;
  /** The server has more events for this query. */
  hasMore: Accessor<boolean>;
  /** The first page of the current query is on its way. */
  loading: Accessor<boolean>;
  loadingMore: Accessor<boolean>;
  error: Accessor<unknown>;
  /** Appends the next page; does nothing when there is none or one is already on its way. */
  loadMore: () => Promise<void>;
  /** Loads the first page of the current query again (after an error). */
  reload: () => Promise<void>;
};

export function useEventPages(query: Accessor<ApiFilter>): EventPages {
  const [events, setEvents] = createSignal<ConsoleEvent[]>([]);
  const [nextToken, setNextToken] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  // Each first page starts a new generation; answers of an older one are stale.
  let generation = 0;

  const loadFirst = async (q: ApiFilter) => {
    const mine = ++generation;
    batch(() => {
      setLoading(true);
      setError(undefined);
    });
    try {
      const page = await call(api.events.$get({ query: queryOf(q, { limit: PAGE_SIZE }) }));
      if (mine !== generation) return;
      batch(() => {
        setEvents(page.events);
        setNextToken(page.nextToken);
      });
    } catch (e) {
      if (mine === generation) {
        setEvents([]);
        setNextToken(null);
        setError(e);
      }
    } finally {
      if (mine === generation) setLoading(false);
    }
  };

  const loadMore = async () => {
    const token = nextToken();
    if (!token || loadingMore()) return;
    const mine = generation;
    setLoadingMore(true);
    try {
      const page = await call(api.events.$get({ query: queryOf(query(), { limit: PAGE_SIZE, nextToken: token }) }));
      if (mine !== generation) return;
      batch(() => {
        setEvents((prev) => [...prev, ...page.events]);
        setNextToken(page.nextToken);
      });
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  createEffect(on(query, (q) => void loadFirst(q)));

  return {
    events,
    hasMore: () => !!nextToken(),
    loading,
    loadingMore,
    error,
    loadMore,
    reload: () => loadFirst(query()),
  };
}
