import { createMemo, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { ConsoleEvent } from "../api.ts";
import { formatTime } from "../lib/format.ts";
import { nearEnd, visibleRows } from "../lib/virtual-rows.ts";

const ROW_HEIGHT = 40;

/**
 * Events newest first. Only the rows in view are in the DOM (the list may grow to thousands as the
 * user scrolls); reaching the end asks for the next page. Rows are buttons for the keyboard:
 * Tab to a row, Enter opens its details; ↑/↓ move between rows.
 */
export function EventsTable(props: {
  events: ConsoleEvent[];
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}) {
  let scroller!: HTMLDivElement;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [height, setHeight] = createSignal(600);
  const range = createMemo(() => visibleRows(scrollTop(), height(), ROW_HEIGHT, props.events.length));
  const rows = createMemo(() => props.events.slice(range().start, range().end).map((e, i) => ({ e, index: range().start + i })));

  const check = () => {
    setScrollTop(scroller.scrollTop);
    if (props.hasMore && !props.loadingMore && nearEnd(scroller.scrollTop, scroller.clientHeight, scroller.scrollHeight)) props.onLoadMore();
  };
  onMount(() => {
    const ro = new ResizeObserver(() => {
      setHeight(scroller.clientHeight);
      check();
    });
    ro.observe(scroller);
    onCleanup(() => ro.disconnect());
  });

  const focusRow = (index: number) => {
    const target = Math.max(0, Math.min(props.events.length - 1, index));
    const top = target * ROW_HEIGHT;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
    queueMicrotask(() => scroller.querySelector<HTMLElement>(`[data-index="${target}"]`)?.focus());
  };

  // Divs with ARIA table roles rather than <table>: the rowgroup is the scroll container and holds
  // only the rows in view between two spacer divs, plus the paging footer, which a <tbody> may not
  // contain. The event rows are focusable (Tab, ↑/↓, Enter); the header row is not an action.
  // biome-ignore-start lint/a11y/useSemanticElements: virtualised rows need div markup (see above)
  return (
    <div class="events-table" role="table" aria-label="Events, newest first" aria-rowcount={props.events.length + 1}>
      {/* biome-ignore-start lint/a11y/useFocusableInteractive: the header row only names the columns; the keyboard goes to the event rows */}
      <div class="row head" role="row">
        <span role="columnheader">Event time</span>
        <span role="columnheader">Action</span>
        <span role="columnheader">User</span>
        <span role="columnheader" class="col-project">
          Project
        </span>
        <span role="columnheader" class="col-source">
          Event source
        </span>
        <span role="columnheader" class="col-resource">
          Resources
        </span>
        <span role="columnheader">Result</span>
      </div>
      {/* biome-ignore-end lint/a11y/useFocusableInteractive: the header row only names the columns; the keyboard goes to the event rows */}
      <div class="rows" ref={scroller} onScroll={check} role="rowgroup">
        <div style={{ height: `${range().padTop}px` }} aria-hidden="true" />
        <For each={rows()}>
          {(r) => (
            <div
              class="row"
              role="row"
              tabIndex="0"
              data-index={r.index}
              data-event-id={r.e.eventID}
              aria-rowindex={r.index + 2}
              aria-selected={props.selectedId === r.e.eventID}
              classList={{ selected: props.selectedId === r.e.eventID, failed: !!r.e.errorCode }}
              onClick={() => props.onSelect(r.e.eventID)}
              onKeyDown={(ev) => {
                if (ev.key === "Enter" || ev.key === " ") {
                  ev.preventDefault();
                  props.onSelect(r.e.eventID);
                } else if (ev.key === "ArrowDown") {
                  ev.preventDefault();
                  focusRow(r.index + 1);
                } else if (ev.key === "ArrowUp") {
                  ev.preventDefault();
                  focusRow(r.index - 1);
                }
              }}
            >
              <span role="cell" class="mono nowrap">
                {formatTime(r.e.eventTime)}
              </span>
              <span role="cell" class="strong ellipsis" title={r.e.eventName}>
                {r.e.eventName}
                <Show when={r.e.readOnly}>
                  <span class="badge badge-muted">read</span>
                </Show>
              </span>
              <span role="cell" class="ellipsis" title={r.e.userName}>
                {r.e.userName}
              </span>
              <span role="cell" class="ellipsis col-project">
                {r.e.project}
              </span>
              <span role="cell" class="ellipsis col-source" title={r.e.eventSource}>
                {r.e.eventSource}
              </span>
              <span role="cell" class="ellipsis mono col-resource" title={r.e.resources.map((x) => x.name).join(", ")}>
                {r.e.resources.map((x) => x.name).join(", ") || "—"}
              </span>
              <span role="cell" class="ellipsis">
                <Show when={r.e.errorCode} fallback={<span class="ok">OK</span>}>
                  <span class="badge badge-error" title={r.e.errorMessage ?? ""}>
                    {r.e.errorCode}
                  </span>
                </Show>
              </span>
            </div>
          )}
        </For>
        <div style={{ height: `${range().padBottom}px` }} aria-hidden="true" />
        <div class="table-foot" role="status" aria-live="polite">
          <Show when={props.loadingMore}>Loading more events…</Show>
          <Show when={!props.loadingMore && props.hasMore}>
            <button type="button" class="btn btn-small" onClick={() => props.onLoadMore()}>
              Load more
            </button>
          </Show>
          <Show when={!props.hasMore && props.events.length > 0}>
            {props.events.length.toLocaleString("en-US")} {props.events.length === 1 ? "event" : "events"} · end of the period
          </Show>
        </div>
      </div>
    </div>
  );
  // biome-ignore-end lint/a11y/useSemanticElements: virtualised rows need div markup (see above)
}
