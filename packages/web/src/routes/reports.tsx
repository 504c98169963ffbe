import { A, useSearchParams } from "@solidjs/router";
import { createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import { api, ApiError, call, type Report, type ReportsList } from "../api.ts";
import { ConfirmButton } from "../components/ConfirmButton.tsx";
import { Empty, ErrorBox, Loading } from "../components/States.tsx";
import { describeFilter } from "../lib/filters.ts";
import { formatBytes, formatCount, formatCountdown, formatTime, zoneLabel } from "../lib/format.ts";

const POLL_MS = 1500;

export function ReportsPage() {
  const [params] = useSearchParams<{ created?: string }>();
  // Plain signals rather than a resource: polling replaces the list in place, without the
  // loading state a refetch would show between answers.
  const [latest, setLatest] = createSignal<ReportsList>();
  const [error, setError] = createSignal<unknown>();
  let fetching = false;
  const refetch = async () => {
    if (fetching) return;
    fetching = true;
    try {
      setLatest(await call(api.reports.$get()));
      setError(undefined);
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(e);
      setError(e);
    } finally {
      fetching = false;
    }
  };
  void refetch();
  const list = {
    get latest() {
      return latest();
    },
    get error() {
      return error();
    },
  };
  const [now, setNow] = createSignal(Date.now());
  // Live progress: poll while anything is queued or generating; the countdowns tick every second.
  const tick = setInterval(() => setNow(Date.now()), 1000);
  const poll = setInterval(() => {
    if (latest()?.reports.some((r) => r.status === "queued" || r.status === "generating")) void refetch();
  }, POLL_MS);
  onCleanup(() => {
    clearInterval(tick);
    clearInterval(poll);
  });

  const remove = async (id: string) => {
    await call(api.reports[":id"].$delete({ param: { id } }));
    await refetch();
  };

  return (
    <div class="page">
      <div class="view-head">
        <div>
          <h1>Reports</h1>
          <Show when={list.latest}>
            {(l) => (
              <p class="subtitle" data-testid="report-limits">
                Times in {zoneLabel()} · {l().counts.stored} of {l().limits.stored} stored · {l().counts.generating} of {l().limits.generating} generating ·
                each kept {l().limits.ttlHours % 24 === 0 ? `${l().limits.ttlHours / 24} days` : `${l().limits.ttlHours} hours`}
              </p>
            )}
          </Show>
        </div>
        <div class="actions">
          <A class="btn" href="/events">
            New report from Events
          </A>
        </div>
      </div>
      <Show when={list.latest?.blocker}>
        <p class="alert alert-info" role="status">
          {list.latest?.blocker}
        </p>
      </Show>
      <Show when={!list.latest?.blocker && list.latest?.replaces[0]}>
        <p class="alert alert-info" data-testid="replaces-note">
          All {list.latest?.limits.stored} report slots are used: a new report replaces the oldest finished one (marked below). Download it first if you need
          it.
        </p>
      </Show>
      <Switch>
        <Match when={list.error}>
          <ErrorBox error={list.error} retry={() => void refetch()} />
        </Match>
        <Match when={!list.latest}>
          <Loading label="Loading reports…" />
        </Match>
        <Match when={list.latest?.reports.length === 0}>
          <Empty title="No reports yet">
            <p>
              Open <A href="/events">Events</A>, set the filters, and choose <strong>Create report CSV</strong> or <strong>Create report JSON</strong>. Reports
              are built in the background and kept for {list.latest!.limits.ttlHours / 24} days.
            </p>
          </Empty>
        </Match>
        <Match when={list.latest}>
          <div class="table-wrap">
            <table class="grid" aria-label="Reports">
              <thead>
                <tr>
                  <th scope="col">Format</th>
                  <th scope="col">Filters</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Rows
                  </th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires in</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list.latest!.reports}>
                  {(r) => (
                    <ReportRow
                      report={r}
                      now={now()}
                      highlight={params.created === r.id}
                      nextToGo={list.latest?.replaces.includes(r.id) ?? false}
                      onDelete={() => remove(r.id)}
                    />
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
      </Switch>
    </div>
  );
}

const STATUS_LABEL: Record<Report["status"], string> = {
  queued: "Queued",
  generating: "Generating",
  ready: "Ready",
  failed: "Failed",
  expired: "Expired",
};

function ReportRow(props: { report: Report; now: number; highlight: boolean; nextToGo: boolean; onDelete: () => Promise<void> }) {
  const r = () => props.report;
  const href = (zip: boolean) => `/api/v1/reports/${r().id}/download${zip ? "?zip=1" : ""}`;
  return (
    <tr classList={{ highlight: props.highlight }} data-report-id={r().id} data-status={r().status}>
      <td data-label="Format">
        <span class="badge badge-format">{r().format.toUpperCase()}</span>
        <Show when={props.nextToGo}>
          <div class="small warn-text" data-testid="replaced-next">
            replaced by the next report
          </div>
        </Show>
      </td>
      <td class="filters-cell" data-label="Filters">
        <div>{describeFilter(r().filter)}</div>
        <div class="muted small">
          {formatTime(r().windowStart)} – {formatTime(r().windowEnd)}
        </div>
      </td>
      <td class="status-cell" data-label="Status">
        <span class={`status status-${r().status}`}>{STATUS_LABEL[r().status]}</span>
        <Show when={r().status === "queued" || r().status === "generating"}>
          {/* No estimate yet: an indeterminate bar (a progress element without a value). */}
          <Show
            when={r().progress !== null}
            fallback={<progress aria-label={`Progress of the ${r().format.toUpperCase()} report`} data-testid="report-progress" />}
          >
            <progress max="1" value={r().progress ?? 0} aria-label={`Progress of the ${r().format.toUpperCase()} report`} data-testid="report-progress" />
          </Show>
          <span class="muted small">{r().progress !== null ? `${Math.round((r().progress ?? 0) * 100)} %` : "starting…"}</span>
        </Show>
        <Show when={r().status === "failed"}>
          <div class="error-text small">{r().error}</div>
        </Show>
      </td>
      <td class="num" data-label="Rows" data-testid="report-rows">
        {formatCount(r().rows)}
      </td>
      {/* The size of the file the user gets; the compressed transfer apart, when known. */}
      <td class="num" data-label="Size" data-testid="report-size">
        <Show when={r().bytes !== null} fallback={formatBytes(r().compressedBytes)}>
          {formatBytes(r().bytes)}
          <Show when={r().compressedBytes !== null}>
            <div class="muted small">{formatBytes(r().compressedBytes)} compressed</div>
          </Show>
        </Show>
      </td>
      <td class="nowrap" data-label="Created">
        {formatTime(r().createdAt)}
        <div class="muted small">by {r().createdBy}</div>
      </td>
      <td class="nowrap" data-label="Expires in">
        {formatCountdown(r().expiresAt, props.now)}
      </td>
      <td class="row-actions" data-label="">
        <Show
          when={r().status === "ready"}
          fallback={
            <button type="button" class="btn btn-small" disabled title="The report can be downloaded once it is ready">
              Download
            </button>
          }
        >
          <a class="btn btn-small btn-primary" href={href(false)} download="">
            Download
          </a>
          <a class="btn btn-small" href={href(true)} download="" title="The same file in a zip archive">
            .zip
          </a>
        </Show>
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete the ${r().format.toUpperCase()} report created ${formatTime(r().createdAt)}`}
          title="Delete this report?"
          message={
            <p>
              The {r().format.toUpperCase()} report created {formatTime(r().createdAt)} will be deleted. The events themselves are not affected.
            </p>
          }
          confirmLabel="Delete report"
          onConfirm={props.onDelete}
        />
      </td>
    </tr>
  );
}
