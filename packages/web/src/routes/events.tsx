import { DEFAULT_QUOTAS } from "@activity-log/core";
import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createMemo, createResource, createSignal, Show } from "solid-js";
import { api, ApiError, call } from "../api.ts";
import { EventDetails } from "../components/EventDetails.tsx";
import { EventsTable } from "../components/EventsTable.tsx";
import { FilterBar } from "../components/FilterBar.tsx";
import { Histogram } from "../components/Histogram.tsx";
import { Empty, ErrorBox, Loading } from "../components/States.tsx";
import { apiFilterOf, describeFilter, type EventsFilter, filterFromParams, paramsFromFilter, queryOf, zoomTo } from "../lib/filters.ts";
import { formatTime } from "../lib/format.ts";
import { useEventPages } from "../lib/use-event-pages.ts";
import { member } from "../session.ts";

export function EventsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const me = member;
  const retentionDays = () => me()?.quotas.retentionDays ?? DEFAULT_QUOTAS.retentionDays;
  const filter = createMemo(() => filterFromParams(params), undefined, {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });
  const [refreshed, setRefreshed] = createSignal(0);
  // "Last 24 hours" is resolved against now whenever the filter changes or the user refreshes.
  const query = createMemo(() => {
    refreshed();
    return apiFilterOf(filter(), new Date(), retentionDays());
  });

  const setFilter = (f: EventsFilter) => setParams({ ...paramsFromFilter(f), event: params.event }, { replace: false });

  // ---- the table: first page on every query change, more pages on scroll ----
  const pages = useEventPages(query);

  const [histogram] = createResource(query, (q) => call(api.histogram.$get({ query: queryOf(q) })));

  // ---- reports from the current filters ----
  const [reports, { refetch: refetchReports }] = createResource(() => call(api.reports.$get()));
  const [creating, setCreating] = createSignal<"csv" | "json">();
  const [reportError, setReportError] = createSignal<string>();
  const createReport = async (format: "csv" | "json") => {
    setCreating(format);
    setReportError(undefined);
    try {
      const report = await call(api.reports.$post({ json: { format, filter: queryOf(query()) } }));
      navigate(`/reports?created=${report.id}`);
    } catch (e) {
      setReportError(e instanceof ApiError ? e.message : String(e));
      void refetchReports();
    } finally {
      setCreating(undefined);
    }
  };
  const reportBlocker = () => reports.latest?.blocker ?? undefined;

  const selectEvent = (id: string | undefined) => setParams({ event: id }, { replace: false });

  return (
    <div class="events-view" classList={{ "with-details": !!params.event }}>
      <div class="view-head">
        <div>
          <h1>Events</h1>
          <p class="subtitle" data-testid="period">
            {formatTime(query().start)} – {query().end ? formatTime(query().end) : "now"} · {describeFilter(filter())}
          </p>
        </div>
        <div class="actions">
          <button type="button" class="btn btn-ghost" onClick={() => setRefreshed((n) => n + 1)} title="Run the query again up to now">
            ↻ Refresh
          </button>
          <button
            type="button"
            class="btn"
            disabled={!!creating() || !!reportBlocker()}
            title={reportBlocker() ?? "A CSV file of all events matching these filters"}
            onClick={() => void createReport("csv")}
          >
            {creating() === "csv" ? "Creating…" : "Create report CSV"}
          </button>
          <button
            type="button"
            class="btn"
            disabled={!!creating() || !!reportBlocker()}
            title={reportBlocker() ?? "A JSON file of all events matching these filters"}
            onClick={() => void createReport("json")}
          >
            {creating() === "json" ? "Creating…" : "Create report JSON"}
          </button>
        </div>
      </div>
      <Show when={reportBlocker()}>
        <p class="alert alert-info">
          {reportBlocker()} <A href="/reports">Open Reports</A>
        </p>
      </Show>
      <Show when={reportError()}>
        <p class="alert alert-error" role="alert">
          {reportError()}
        </p>
      </Show>
      <FilterBar filter={filter()} onChange={setFilter} retentionDays={retentionDays()} projects={me()?.projects ?? []} />
      <Histogram data={histogram.latest} loading={histogram.loading} onZoom={(start, bucketMs) => setFilter(zoomTo(filter(), start, bucketMs))} />
      <div class="events-body">
        <section class="events-list" aria-label="Events" aria-busy={pages.loading()}>
          <Show when={pages.error()}>
            <ErrorBox error={pages.error()} retry={() => void pages.reload()} />
          </Show>
          <Show when={!pages.loading() || pages.events().length > 0} fallback={<Loading label="Looking for events…" />}>
            <Show
              when={pages.events().length > 0}
              fallback={
                <Show when={!pages.error()}>
                  <Empty title="No events match these filters">
                    <p>
                      Try a longer period, set <em>Read only</em> to <strong>All</strong> (read calls are hidden by default), or clear a filter. Search is
                      case-sensitive.
                    </p>
                  </Empty>
                </Show>
              }
            >
              <EventsTable
                events={pages.events()}
                selectedId={params.event as string | undefined}
                onSelect={(id) => selectEvent(id)}
                hasMore={pages.hasMore()}
                loadingMore={pages.loadingMore()}
                onLoadMore={() => void pages.loadMore()}
              />
            </Show>
          </Show>
        </section>
        <Show when={params.event as string | undefined} keyed>
          {(id) => <EventDetails id={id} onClose={() => selectEvent(undefined)} />}
        </Show>
      </div>
    </div>
  );
}
