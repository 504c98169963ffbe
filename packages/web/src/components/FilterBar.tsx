import { MINUTE_MS, retentionFloor } from "@activity-log/core";
import { createSignal, For, Show } from "solid-js";
import { customRangeProblem, type EventsFilter, RANGE_PRESETS, type Range, searchProblem, type TextField } from "../lib/filters.ts";
import { fromDatetimeLocal, toDatetimeLocal } from "../lib/format.ts";

const TEXT_FILTERS: { key: Exclude<TextField, "search">; label: string; placeholder: string; list?: "projects" }[] = [
  { key: "eventName", label: "Action", placeholder: "e.g. StopInstances" },
  { key: "userName", label: "User", placeholder: "user name" },
  { key: "project", label: "Project", placeholder: "any project", list: "projects" },
  { key: "resourceName", label: "Resource ID", placeholder: "e.g. i-0abc…" },
  { key: "eventSource", label: "Event source", placeholder: "e.g. ec2.amazonaws.com" },
];

/**
 * The Events view's filters. Every change goes to the URL at once (through `onChange`); text fields
 * apply on Enter or when they lose focus, so typing does not fire a query per keystroke.
 */
export function FilterBar(props: { filter: EventsFilter; onChange: (f: EventsFilter) => void; retentionDays: number; projects: string[] }) {
  const now = () => new Date();
  const [customStart, setCustomStart] = createSignal(props.filter.start ?? "");
  const [customEnd, setCustomEnd] = createSignal(props.filter.end ?? "");
  const [showCustom, setShowCustom] = createSignal(props.filter.range === "custom");
  const [search, setSearch] = createSignal(props.filter.search ?? "");
  const rangeProblem = () => customRangeProblem(customStart() || undefined, customEnd() || undefined, now(), props.retentionDays);
  const minLocal = () => toDatetimeLocal(new Date(retentionFloor(now(), props.retentionDays).getTime() + MINUTE_MS).toISOString());
  const maxLocal = () => toDatetimeLocal(now().toISOString());

  const set = (patch: Partial<EventsFilter>) => props.onChange({ ...props.filter, ...patch });
  const chooseRange = (r: Range) => {
    if (r === "custom") {
      setShowCustom(true);
      return;
    }
    setShowCustom(false);
    set({ range: r, start: undefined, end: undefined });
  };
  const applyCustom = (e: SubmitEvent) => {
    e.preventDefault();
    if (rangeProblem()) return;
    set({ range: "custom", start: customStart(), end: customEnd() || undefined });
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
        <label class="field inline">
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
          <label class="field inline grow">
            <span>Search</span>
            <input
              name="search"
              type="search"
              placeholder="Case-sensitive text, Enter to search"
              value={search()}
              onInput={(e) => setSearch(e.currentTarget.value)}
              onBlur={() => !searchProblem(search()) && applyText("search", search())}
              aria-invalid={searchProblem(search()) ? "true" : undefined}
              aria-describedby="search-hint"
            />
          </label>
          <span id="search-hint" class="hint" classList={{ "hint-error": !!searchProblem(search()) }}>
            {searchProblem(search()) ?? "Aa: case-sensitive"}
          </span>
        </form>
      </div>
      <Show when={showCustom()}>
        <form class="filter-row custom-range" onSubmit={applyCustom} aria-label="Custom period">
          <label class="field inline">
            <span>From</span>
            <input
              type="datetime-local"
              name="start"
              min={minLocal()}
              max={maxLocal()}
              value={toDatetimeLocal(customStart())}
              onInput={(e) => setCustomStart(fromDatetimeLocal(e.currentTarget.value) ?? "")}
            />
          </label>
          <label class="field inline">
            <span>To</span>
            <input
              type="datetime-local"
              name="end"
              min={minLocal()}
              max={maxLocal()}
              value={toDatetimeLocal(customEnd())}
              onInput={(e) => setCustomEnd(fromDatetimeLocal(e.currentTarget.value) ?? "")}
            />
          </label>
          <button type="submit" class="btn btn-small" disabled={!!rangeProblem()}>
            Apply period
          </button>
          <span class="hint" classList={{ "hint-error": !!rangeProblem() && !!customStart() }} role="status">
            {rangeProblem() ?? `Events are kept for ${props.retentionDays} days.`}
          </span>
        </form>
      </Show>
      <div class="filter-row">
        <For each={TEXT_FILTERS}>
          {(f) => (
            <label class="field inline">
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
    </section>
  );
}
