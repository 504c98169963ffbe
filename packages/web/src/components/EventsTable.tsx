import { createMemo, createSignal, For, type JSX, onCleanup, onMount, Show } from "solid-js";
import type { ConsoleEvent } from "../api.ts";
import type { FilterKey } from "../lib/filters.ts";
import { formatTime, zoneLabel } from "../lib/format.ts";
import { nearEnd, visibleRows } from "../lib/virtual-rows.ts";

const ROW_HEIGHT = 32;

type Column = { title: string; class?: string; filter?: FilterKey; value: (e: ConsoleEvent) => string; render?: (e: ConsoleEvent) => JSX.Element };

const firstResource = (e: ConsoleEvent) => e.resources[0]?.name ?? "";

const COLUMNS: Column[] = [
  { title: "Event time", class: "mono nowrap", value: (e) => formatTime(e.eventTime) },
  {
    title: "Action",
    class: "strong",
    filter: "eventName",
    value: (e) => e.eventName,
    render: (e) => (
      <>
        {e.eventName}
        <Show when={e.readOnly}>
          <span class="badge badge-muted">read</span>
        </Show>
      </>
    ),
  },
  { title: "User", filter: "userName", value: (e) => e.userName },
  { title: "Project", class: "col-project", filter: "project", value: (e) => e.project },
  { title: "Event source", class: "col-source", filter: "eventSource", value: (e) => e.eventSource },
  {
    title: "Resources",
    class: "mono col-resource",
    filter: "resourceName",
    value: firstResource,
    render: (e) => <>{e.resources.map((x) => x.name).join(", ") || "—"}</>,
  },
  {
    title: "Result",
    class: "col-result",
    value: (e) => e.errorCode ?? "",
    render: (e) => (
      <Show when={e.errorCode} fallback={<span class="ok">OK</span>}>
        <span class="badge badge-error" title={`${e.errorCode}: ${e.errorMessage ?? ""}`}>
          {e.errorCode}
        </span>
      </Show>
    ),
  },
];

/** What the Events view may ask the table to do (focus back on a row when details close). */
export type EventsTableHandle = { focusRow: (eventId: string | undefined) => void };

/**
 * Events newest first, as an ARIA grid: one Tab stop; ↑/↓/←/→, Home/End and PageUp/PageDown move
 * between cells, Enter (or a click) opens an event's details, F filters by the focused cell's value
 * (the ⊕ button in a cell does the same with the mouse). Only the rows in view are in the DOM (the
 * list may grow to thousands as the user scrolls); reaching the end asks for the next page.
 */
export function EventsTable(props: {
  events: ConsoleEvent[];
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  onFilter: (key: FilterKey, value: string) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  handle?: (h: EventsTableHandle) => void;
}) {
  let scroller!: HTMLDivElement;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [height, setHeight] = createSignal(600);
  // The one cell in the Tab order (roving tabindex).
  const [active, setActive] = createSignal({ row: 0, col: 0 });
  const range = createMemo(() => visibleRows(scrollTop(), height(), ROW_HEIGHT, props.events.length));
  const rows = createMemo(() => props.events.slice(range().start, range().end).map((e, i) => ({ e, index: range().start + i })));

  // The active cell's row, or the first row in view when it has scrolled out (the grid keeps its Tab stop).
  const tabRow = () => {
    const a = active().row;
    const r = range();
    return a >= r.start && a < r.end ? a : r.start;
  };

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

  const focusCell = (row: number, col: number) => {
    const r = Math.max(0, Math.min(props.events.length - 1, row));
    const c = Math.max(0, Math.min(COLUMNS.length - 1, col));
    setActive({ row: r, col: c });
    const top = r * ROW_HEIGHT;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight;
    setScrollTop(scroller.scrollTop);
    queueMicrotask(() => scroller.querySelector<HTMLElement>(`[data-index="${r}"] [data-col="${c}"]`)?.focus());
  };
  props.handle?.({
    focusRow: (id) => {
      const i = id === undefined ? -1 : props.events.findIndex((e) => e.eventID === id);
      focusCell(i >= 0 ? i : active().row, active().col);
    },
  });

  const pageRows = () => Math.max(1, Math.floor(scroller.clientHeight / ROW_HEIGHT) - 1);
  const onKey = (ev: KeyboardEvent, row: number, col: number, e: ConsoleEvent) => {
    const moves: Record<string, [number, number]> = {
      ArrowDown: [row + 1, col],
      ArrowUp: [row - 1, col],
      ArrowRight: [row, col + 1],
      ArrowLeft: [row, col - 1],
      PageDown: [row + pageRows(), col],
      PageUp: [row - pageRows(), col],
      Home: ev.ctrlKey ? [0, 0] : [row, 0],
      End: ev.ctrlKey ? [props.events.length - 1, col] : [row, COLUMNS.length - 1],
    };
    const to = moves[ev.key];
    if (to) {
      ev.preventDefault();
      focusCell(to[0], to[1]);
    } else if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      props.onSelect(e.eventID);
    } else if ((ev.key === "f" || ev.key === "F") && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      const c = COLUMNS[col]!;
      const value = c.value(e);
      if (c.filter && value) {
        ev.preventDefault();
        props.onFilter(c.filter, value);
      }
    }
  };

  // Divs with ARIA grid roles rather than <table>: the rowgroup is the scroll container and holds
  // only the rows in view between two spacer divs, plus the paging footer, which a <tbody> may not
  // contain.
  // biome-ignore-start lint/a11y/useSemanticElements: virtualised rows need div markup (see above)
  return (
    <div
      class="events-table"
      role="grid"
      aria-label="Events, newest first. Arrow keys move, Enter opens details, F filters by the cell's value."
      aria-rowcount={props.events.length + 1}
      aria-colcount={COLUMNS.length}
    >
      {/* biome-ignore-start lint/a11y/useFocusableInteractive: the header row only names the columns; the keyboard goes to the event cells */}
      <div class="row head" role="row" aria-rowindex={1}>
        <For each={COLUMNS}>
          {(c, i) => (
            <span role="columnheader" class={c.class?.replace(/\b(mono|strong|nowrap)\b/g, "")} aria-colindex={i() + 1}>
              {c.title}
              {i() === 0 ? ` (${zoneLabel()})` : ""}
            </span>
          )}
        </For>
      </div>
      {/* biome-ignore-end lint/a11y/useFocusableInteractive: the header row only names the columns; the keyboard goes to the event cells */}
      <div class="rows" ref={scroller} onScroll={check} role="rowgroup">
        <div style={{ height: `${range().padTop}px` }} aria-hidden="true" />
        <For each={rows()}>
          {(r) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard opens a row from its cells (Enter), which are the grid's focus stops
            // biome-ignore lint/a11y/useFocusableInteractive: focus goes to the row's cells (roving tabindex), not the row
            <div
              class="row"
              role="row"
              data-index={r.index}
              data-event-id={r.e.eventID}
              aria-rowindex={r.index + 2}
              aria-selected={props.selectedId === r.e.eventID}
              classList={{ selected: props.selectedId === r.e.eventID, failed: !!r.e.errorCode }}
              onClick={() => props.onSelect(r.e.eventID)}
            >
              <For each={COLUMNS}>
                {(c, col) => (
                  <span
                    role="gridcell"
                    class={`cell ${c.class ?? ""}`}
                    data-col={col()}
                    aria-colindex={col() + 1}
                    tabIndex={tabRow() === r.index && active().col === col() ? 0 : -1}
                    title={c.value(r.e) || undefined}
                    onFocus={() => setActive({ row: r.index, col: col() })}
                    onKeyDown={(ev) => onKey(ev, r.index, col(), r.e)}
                  >
                    <span class="ellipsis">{c.render ? c.render(r.e) : c.value(r.e)}</span>
                    <Show when={c.filter && c.value(r.e)}>
                      <button
                        type="button"
                        class="cell-filter"
                        tabIndex={-1}
                        aria-label={`Filter by ${c.title.toLowerCase()} ${c.value(r.e)}`}
                        title={`Show only ${c.title.toLowerCase()} ${c.value(r.e)}`}
                        onClick={(ev) => {
                          ev.stopPropagation();
                          props.onFilter(c.filter!, c.value(r.e));
                        }}
                      >
                        ⊕
                      </button>
                    </Show>
                  </span>
                )}
              </For>
            </div>
          )}
        </For>
        <div style={{ height: `${range().padBottom}px` }} aria-hidden="true" />
      </div>
      {/* Below the scroller, not in it: reaching "Load more" with Tab must not scroll the focused row away. */}
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
  );
  // biome-ignore-end lint/a11y/useSemanticElements: virtualised rows need div markup (see above)
}
