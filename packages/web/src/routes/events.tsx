import { DEFAULT_QUOTAS } from "@activity-log/core";
import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, on, onCleanup, onMount, Show } from "solid-js";
import { api, ApiError, call, type Report } from "../api.ts";
import { EventDetails } from "../components/EventDetails.tsx";
import { EventsTable, type EventsTableHandle } from "../components/EventsTable.tsx";
import { Facets } from "../components/Facets.tsx";
import { FilterBar, SEARCH_INPUT_ID } from "../components/FilterBar.tsx";
import { Histogram } from "../components/Histogram.tsx";
import { Empty, ErrorBox, Loading } from "../components/States.tsx";
import {
  apiFilterOf,
  describeFilter,
  type EventsFilter,
  type FilterKey,
  filterFromParams,
  isWidest,
  paramsFromFilter,
  queryOf,
  widest,
  zoomTo,
} from "../lib/filters.ts";
import { formatTime, zoneLabel } from "../lib/format.ts";
import { createRuleHref } from "../lib/rules.ts";
import { useEventPages } from "../lib/use-event-pages.ts";
import { member } from "../session.ts";

/** A query's answer or its error, never thrown: reading a failed resource would throw out of the view. */
type Settled<T> = { data: T; error?: undefined } | { data?: undefined; error: unknown };
const settle = <T,>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (data) => ({ data }),
    (error: unknown) => ({ error }),
  );

const BLOCKED_POLL_MS = 2000;
const stored = (key: string) => localStorage.getItem(key) === "1";
const remember = (key: string, on: boolean) => localStorage.setItem(key, on ? "1" : "0");

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
  const filterBy = (key: FilterKey, value: string) => setFilter({ ...filter(), [key]: value });

  // ---- the table: first page on every query change, more pages on scroll ----
  const pages = useEventPages(query);
  let table: EventsTableHandle | undefined;

  // ---- histogram and facets (their errors are shown in place, with a retry) ----
  const [histogramHidden, setHistogramHidden] = createSignal(stored("al.histogramHidden"));
  const [histogram, { refetch: refetchHistogram }] = createResource(query, (q) => settle(call(api.histogram.$get({ query: queryOf(q) }))));
  const [facetsOpen, setFacetsOpen] = createSignal(stored("al.facetsOpen"));
  const [facets, { refetch: refetchFacets }] = createResource(
    () => (facetsOpen() ? query() : false),
    (q) => settle(call(api.facets.$get({ query: queryOf(q) }))),
  );

  // ---- reports from the current filters ----
  const [reports, { refetch: refetchReports }] = createResource(() => settle(call(api.reports.$get())));
  const reportList = () => reports.latest?.data;
  const reportBlocker = () => reportList()?.blocker ?? undefined;
  // While blocked (e.g. both generating slots busy), look again until a slot is free.
  createEffect(() => {
    if (!reportBlocker()) return;
    const timer = setInterval(() => void refetchReports(), BLOCKED_POLL_MS);
    onCleanup(() => clearInterval(timer));
  });
  createEffect(on(query, () => void refetchReports(), { defer: true }));
  /** The finished report a new one would replace (every stored slot is taken). */
  const replaced = (): Report | undefined => {
    const l = reportList();
    const id = l?.replaces[0];
    return id ? l?.reports.find((r) => r.id === id) : undefined;
  };
  const [creating, setCreating] = createSignal<"csv" | "json">();
  const [confirming, setConfirming] = createSignal<"csv" | "json">();
  const [reportError, setReportError] = createSignal<string>();
  let confirmDialog!: HTMLDialogElement;
  const askReport = (format: "csv" | "json") => {
    if (replaced()) {
      setConfirming(format);
      confirmDialog.showModal();
    } else void createReport(format);
  };
  const createReport = async (format: "csv" | "json") => {
    confirmDialog.close();
    setCreating(format);
    setReportError(undefined);
    try {
      const report = await call(api.reports.$post({ json: { format, filter: queryOf(query()) } }));
      navigate(`/reports?created=${report.id}`);
    } catch (e) {
      // A limit refusal is what the blocker line says (and it lifts by itself): one alert, not two.
      if (!(e instanceof ApiError && e.code === "ReportLimitExceededException")) setReportError(e instanceof ApiError ? e.message : String(e));
      void refetchReports();
    } finally {
      setCreating(undefined);
    }
  };

  const selectEvent = (id: string | undefined) => setParams({ event: id }, { replace: false });
  const closeDetails = () => {
    const id = params.event as string | undefined;
    selectEvent(undefined);
    // Esc or ✕: focus goes back to the event's row, where the user was.
    queueMicrotask(() => table?.focusRow(id));
  };

  // `/` focuses the search box from anywhere but a text field.
  onMount(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || t?.closest("input, textarea, select, [contenteditable]")) return;
      e.preventDefault();
      document.getElementById(SEARCH_INPUT_ID)?.focus();
    };
    document.addEventListener("keydown", onKey);
    onCleanup(() => document.removeEventListener("keydown", onKey));
  });

  const refresh = () => {
    setRefreshed((n) => n + 1);
    void refetchReports();
  };
  const canWiden = () => !isWidest(filter(), new Date(), retentionDays());

  return (
    <div class="events-view">
      <div class="view-head">
        <div class="view-title">
          <h1>Events</h1>
          <p class="subtitle" data-testid="period">
            {formatTime(query().start)} – {query().end ? formatTime(query().end) : "now"} {zoneLabel()} · {describeFilter(filter())}
          </p>
        </div>
        <div class="actions">
          <button type="button" class="btn btn-ghost btn-small" onClick={refresh} title="Run the query again up to now">
            ↻ Refresh
          </button>
          {/* Short on screen (the header keeps to one line at 1280 px); the full name for assistive technology (not "from": the period field is "From"). */}
          <A
            class="btn btn-small"
            href={createRuleHref(paramsFromFilter(filter()))}
            aria-label="Create rule with these filters"
            title="Create a rule with these filters: be notified of every new matching event (the period does not apply)"
          >
            Create rule
          </A>
          <button
            type="button"
            class="btn btn-small"
            disabled={!!creating() || !!reportBlocker()}
            title={reportBlocker() ?? "A CSV file of all events matching these filters"}
            onClick={() => askReport("csv")}
          >
            {creating() === "csv" ? "Creating…" : "Create report CSV"}
          </button>
          <button
            type="button"
            class="btn btn-small"
            disabled={!!creating() || !!reportBlocker()}
            title={reportBlocker() ?? "A JSON file of all events matching these filters"}
            onClick={() => askReport("json")}
          >
            {creating() === "json" ? "Creating…" : "Create report JSON"}
          </button>
        </div>
      </div>
      <Show when={reportBlocker()}>
        <p class="alert alert-info" role="status" data-testid="report-blocker">
          <span>{reportBlocker()}</span> <A href="/reports">Open Reports</A>
        </p>
      </Show>
      <Show when={reportError()}>
        <p class="alert alert-error" role="alert">
          {reportError()}
        </p>
      </Show>
      <dialog ref={confirmDialog} class="dialog" aria-labelledby="replace-title" onClose={() => setConfirming(undefined)}>
        <h2 id="replace-title">Replace a report?</h2>
        <Show when={replaced()}>
          {(r) => (
            <p data-testid="replace-message">
              All {reportList()?.limits.stored} report slots are used. The new report replaces the oldest finished one: the {r().format.toUpperCase()} report
              created {formatTime(r().createdAt)} {zoneLabel()} by {r().createdBy} ({describeFilter(r().filter)}). It cannot be downloaded afterwards.
            </p>
          )}
        </Show>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => confirmDialog.close()} autofocus>
            Cancel
          </button>
          <button type="button" class="btn btn-danger" onClick={() => void createReport(confirming() ?? "csv")}>
            Replace and create
          </button>
        </div>
      </dialog>
      <FilterBar
        filter={filter()}
        onChange={setFilter}
        retentionDays={retentionDays()}
        projects={me()?.projects ?? []}
        facetsOpen={facetsOpen()}
        onToggleFacets={() => {
          remember("al.facetsOpen", !facetsOpen());
          setFacetsOpen(!facetsOpen());
        }}
      />
      <Histogram
        data={histogram.latest?.data}
        error={histogram.latest?.error}
        loading={histogram.loading}
        onRetry={() => void refetchHistogram()}
        onZoom={(start, bucketMs) => setFilter(zoomTo(filter(), start, bucketMs))}
        collapsed={histogramHidden()}
        onToggle={() => {
          remember("al.histogramHidden", !histogramHidden());
          setHistogramHidden(!histogramHidden());
        }}
      />
      <Show when={facetsOpen()}>
        <Facets
          data={facets.latest ? facets.latest.data : undefined}
          error={facets.latest?.error}
          loading={facets.loading}
          onRetry={() => void refetchFacets()}
          onFilter={filterBy}
        />
      </Show>
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
                    <Show when={canWiden()}>
                      <p>
                        <button type="button" class="btn btn-primary" onClick={() => setFilter(widest(filter(), new Date(), retentionDays()))}>
                          Search all {retentionDays()} days
                        </button>
                      </p>
                    </Show>
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
                onFilter={filterBy}
                hasMore={pages.hasMore()}
                loadingMore={pages.loadingMore()}
                onLoadMore={() => void pages.loadMore()}
                handle={(h) => {
                  table = h;
                }}
              />
            </Show>
          </Show>
        </section>
        <Show when={params.event as string | undefined} keyed>
          {(id) => <EventDetails id={id} onClose={closeDetails} onFilter={filterBy} />}
        </Show>
      </div>
    </div>
  );
}
