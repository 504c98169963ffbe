import { retentionFloor } from "@activity-log/core";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { chipsOf, clearFilters, customRangeProblem, type EventsFilter, RANGE_PRESETS, type Range, searchProblem, type TextField } from "../lib/filters.ts";
import { fromInputTime, timeZone, toInputTime, zoneLabel } from "../lib/format.ts";
import { AttributeFields, ErrorsOnlyField, ReadOnlyField, SearchField } from "./FilterFields.tsx";

/** The id of the search box: `/` focuses it from anywhere in the Events view. */
export const SEARCH_INPUT_ID = "events-search";

/**
 * The Events view's filters (the fields shared with the rule form, FilterFields.tsx), compact: two rows of inline fields, then the set filters as chips
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
        <ReadOnlyField value={props.filter.readOnly} onChange={(readOnly) => set({ readOnly })} />
        <ErrorsOnlyField checked={props.filter.errorsOnly} onChange={(errorsOnly) => set({ errorsOnly })} />
        {/* biome-ignore lint/a11y/useSemanticElements: the form itself is the search landmark; a <search> wrapper would add a box to this flex row */}
        <form class="search" role="search" onSubmit={applySearch}>
          <SearchField
            id={SEARCH_INPUT_ID}
            placeholder="Case-sensitive text · / to focus"
            value={search()}
            onInput={setSearch}
            onBlur={() => !searchProblem(search()) && applyText("search", search())}
          />
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
        <AttributeFields
          keys={["eventName", "userName", "project", "resourceName", "eventSource"]}
          values={props.filter}
          onChange={applyText}
          projects={props.projects}
        />
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
