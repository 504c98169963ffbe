import { retentionFloor } from "@activity-log/core";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { chipsOf, clearFilters, customRangeProblem, type EventsFilter, RANGE_PRESETS, type Range, searchProblem, type TextField } from "../lib/filters.ts";
import { fromInputTime, timeZone, toInputTime, zoneLabel } from "../lib/format.ts";

const TEXT_FILTERS: { key: Exclude<TextField, "search">; label: string; placeholder: string; list?: "projects" }[] = [
  { key: "eventName", label: "Action", placeholder: "StopInstances" },
  { key: "userName", label: "User", placeholder: "user name" },
  { key: "project", label: "Project", placeholder: "any", list: "projects" },
  { key: "resourceName", label: "Resource ID", placeholder: "i-0abc…" },
  { key: "eventSource", label: "Event source", placeholder: "ec2.amazonaws.com" },
];

/** The id of the search box: `/` focuses it from anywhere in the Events view. */
export const SEARCH_INPUT_ID = "events-search";

/**
 * The Events view's filters, compact: two rows of inline fields, then the set filters as chips
 * (each removable, and "Clear all"). Every change goes to the URL at once (through `onChange`); text
 * fields apply on Enter or when they lose focus, so typing does not fire a query per keystroke.
 * A custom period is typed as 2026-11-24 13:05 in the zone the header shows (24-hour everywhere).
 */
export function FilterBar(props: {
  filter: EventsFilter;
  onChange: (f: EventsFilter) => void;
  retentionDays: number;
  projects: string[];
  facetsOpen: boolean;
  onToggleFacets: () => void;
}) {
  const now = () => new Date();
  const [customStart, setCustomStart] = createSignal(toInputTime(props.filter.start));
  const [customEnd, setCustomEnd] = createSignal(toInputTime(props.filter.end));
  const [showCustom, setShowCustom] = createSignal(props.filter.range === "custom");
  const [search, setSearch] = createSignal(props.filter.search ?? "");
  // The URL is the truth: a chip removed, a cell clicked or Back updates the fields.
  createEffect(on([() => props.filter.search], ([s]) => setSearch(s ?? ""), { defer: true }));
  createEffect(
    on([() => props.filter.start, () => props.filter.end, timeZone], ([s, e]) => {
      setCustomStart(toInputTime(s));
      setCustomEnd(toInputTime(e));
    }),
  );
  createEffect(on([() => props.filter.range], ([r]) => r === "custom" && setShowCustom(true), { defer: true }));

  const startIso = () => fromInputTime(customStart());
  const endIso = () => fromInputTime(customEnd());
  const rangeProblem = () => {
    if (customStart() && !startIso()) return "Type the start as YYYY-MM-DD HH:MM.";
    if (customEnd() && !endIso()) return "Type the end as YYYY-MM-DD HH:MM.";
    return customRangeProblem(startIso(), endIso(), now(), props.retentionDays);
  };

  const set = (patch: Partial<EventsFilter>) => props.onChange({ ...props.filter, ...patch });
  const chooseRange = (r: Range) => {
    if (r === "custom") {
      if (!customStart())
        setCustomStart(toInputTime(new Date(Math.max(now().getTime() - 86_400_000, retentionFloor(now(), props.retentionDays).getTime())).toISOString()));
      setShowCustom(true);
      return;
    }
    setShowCustom(false);
    set({ range: r, start: undefined, end: undefined });
  };
  const applyCustom = (e: SubmitEvent) => {
    e.preventDefault();
    if (rangeProblem()) return;
    set({ range: "custom", start: startIso(), end: endIso() });
  };
  const applyText = (key: TextField, value: string) => {
    const v = value.trim();
    if ((props.filter[key] ?? "") !== v) set({ [key]: v || undefined });
  };
  const applySearch = (e: SubmitEvent) => {
    e.preventDefault();
    if (searchProblem(search())) return;
    applyText("search", search());
  };

  return (
    <section class="filters" aria-label="Filters">
      <div class="filter-row">
        {/* biome-ignore lint/a11y/useSemanticElements: a <fieldset> brings its own margins, padding and min size (and renders the rounded corners differently); role="group" with a label is the same to assistive technology */}
        <div class="segmented" role="group" aria-label="Time period">
          <For each={RANGE_PRESETS}>
            {(p) => (
              <button type="button" aria-pressed={props.filter.range === p.id && !showCustom()} title={p.label} onClick={() => chooseRange(p.id)}>
                {p.id}
              </button>
            )}
          </For>
          <button type="button" aria-pressed={props.filter.range === "custom" || showCustom()} onClick={() => chooseRange("custom")}>
            Custom
          </button>
        </div>
        <label class="cfield">
          <span>Read only</span>
          <select name="readOnly" value={props.filter.readOnly} onChange={(e) => set({ readOnly: e.currentTarget.value as EventsFilter["readOnly"] })}>
            <option value="false">No</option>
            <option value="true">Yes</option>
            <option value="all">All</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="errorsOnly" checked={props.filter.errorsOnly} onChange={(e) => set({ errorsOnly: e.currentTarget.checked })} />
          Errors only
        </label>
        {/* biome-ignore lint/a11y/useSemanticElements: the form itself is the search landmark; a <search> wrapper would add a box to this flex row */}
        <form class="search" role="search" onSubmit={applySearch}>
          <label class="cfield grow">
            <span>Search</span>
            <input
              id={SEARCH_INPUT_ID}
              name="search"
              type="search"
              placeholder="Case-sensitive text · / to focus"
              value={search()}
              onInput={(e) => setSearch(e.currentTarget.value)}
              onBlur={() => !searchProblem(search()) && applyText("search", search())}
              aria-invalid={searchProblem(search()) ? "true" : undefined}
              aria-describedby="search-hint"
            />
          </label>
          <span id="search-hint" class="hint hint-error">
            {searchProblem(search()) ?? ""}
          </span>
        </form>
        <button type="button" class="btn btn-small" aria-pressed={props.facetsOpen} onClick={() => props.onToggleFacets()} data-testid="facets-toggle">
          Top values
        </button>
      </div>
      <Show when={showCustom()}>
        <form class="filter-row custom-range" onSubmit={applyCustom} aria-label="Custom period">
          <label class="cfield">
            <span>From</span>
            <input
              name="start"
              placeholder="YYYY-MM-DD HH:MM"
              inputmode="numeric"
              spellcheck={false}
              value={customStart()}
              onInput={(e) => setCustomStart(e.currentTarget.value)}
              aria-invalid={customStart() && !startIso() ? "true" : undefined}
            />
          </label>
          <label class="cfield">
            <span>To</span>
            <input
              name="end"
              placeholder="now"
              inputmode="numeric"
              spellcheck={false}
              value={customEnd()}
              onInput={(e) => setCustomEnd(e.currentTarget.value)}
              aria-invalid={customEnd() && !endIso() ? "true" : undefined}
            />
          </label>
          <span class="hint">{zoneLabel()}</span>
          <button type="submit" class="btn btn-small" disabled={!!rangeProblem()}>
            Apply period
          </button>
          <span class="hint" classList={{ "hint-error": !!rangeProblem() && !!customStart() }} role="status" data-testid="range-hint">
            {rangeProblem() ?? `Events are kept for ${props.retentionDays} days.`}
          </span>
        </form>
      </Show>
      <div class="filter-row">
        <For each={TEXT_FILTERS}>
          {(f) => (
            <label class="cfield">
              <span>{f.label}</span>
              <input
                name={f.key}
                placeholder={f.placeholder}
                value={props.filter[f.key] ?? ""}
                list={f.list}
                spellcheck={false}
                onKeyDown={(e) => e.key === "Enter" && applyText(f.key, e.currentTarget.value)}
                onChange={(e) => applyText(f.key, e.currentTarget.value)}
              />
            </label>
          )}
        </For>
        <datalist id="projects">
          <For each={props.projects}>{(p) => <option value={p} />}</For>
        </datalist>
      </div>
      <Show when={chipsOf(props.filter).length > 0}>
        <ul class="chips" aria-label="Filters set">
          <For each={chipsOf(props.filter)}>
            {(c) => (
              <li class="chip" data-testid="filter-chip">
                <span>{c.label}</span>
                <button type="button" aria-label={`Remove filter ${c.label}`} onClick={() => props.onChange(c.without)}>
                  ✕
                </button>
              </li>
            )}
          </For>
          <li>
            <button type="button" class="btn btn-ghost btn-small" onClick={() => props.onChange(clearFilters(props.filter))}>
              Clear all
            </button>
          </li>
        </ul>
      </Show>
    </section>
  );
}
