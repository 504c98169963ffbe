import { For, Show } from "solid-js";
import type { Facets as FacetsData } from "../api.ts";
import { facetsNote } from "../lib/facets.ts";
import type { FilterKey } from "../lib/filters.ts";
import { formatCount } from "../lib/format.ts";
import { ErrorBox } from "./States.tsx";

const FIELDS: { key: keyof FacetsData["facets"]; title: string; filter: FilterKey }[] = [
  { key: "userName", title: "User", filter: "userName" },
  { key: "eventName", title: "Action", filter: "eventName" },
  { key: "eventSource", title: "Event source", filter: "eventSource" },
  { key: "project", title: "Project", filter: "project" },
  { key: "resource", title: "Resource", filter: "resourceName" },
];

/**
 * Top values with counts over the current filters and period ("who stopped instances last week"
 * answered by a list of users). A value is a button: it becomes a filter. Over a large period the
 * counts are those of the newest matching events (the API stops at a sample size or a time budget),
 * and the card says back to when.
 */
export function Facets(props: {
  data: FacetsData | undefined;
  loading: boolean;
  error: unknown;
  onRetry: () => void;
  onFilter: (key: FilterKey, value: string) => void;
}) {
  return (
    <section class="facets" aria-label="Top values" aria-busy={props.loading} data-testid="facets">
      <Show when={props.error}>
        <ErrorBox error={props.error} retry={props.onRetry} />
      </Show>
      <Show when={!props.error && props.data}>
        {(d) => (
          <>
            <p class="facets-note muted small" data-testid="facets-note">
              {facetsNote(d())}
            </p>
            <div class="facet-lists">
              <For each={FIELDS}>
                {(f) => (
                  <div class="facet" data-facet={f.key}>
                    <h3>{f.title}</h3>
                    <Show when={d().facets[f.key].length > 0} fallback={<p class="muted small">—</p>}>
                      <ol>
                        <For each={d().facets[f.key]}>
                          {(x) => (
                            <li>
                              <button
                                type="button"
                                class="facet-value"
                                title={`Show only ${f.title.toLowerCase()} ${x.value}`}
                                onClick={() => props.onFilter(f.filter, x.value)}
                              >
                                <span class="ellipsis">{x.value}</span>
                                <span class="facet-count">{formatCount(x.count)}</span>
                                <span class="facet-bar" style={{ width: `${Math.round((x.count / Math.max(1, d().counted)) * 100)}%` }} aria-hidden="true" />
                              </button>
                            </li>
                          )}
                        </For>
                      </ol>
                    </Show>
                  </div>
                )}
              </For>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
