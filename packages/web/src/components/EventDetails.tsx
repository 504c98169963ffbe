import { createResource, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { api, call } from "../api.ts";
import type { FilterKey } from "../lib/filters.ts";
import { formatTimeZoned, prettyJson } from "../lib/format.ts";
import { CopyButton } from "./CopyButton.tsx";
import { ErrorBox, Loading } from "./States.tsx";

/**
 * Every field of one event, its resources, request/response JSON and the raw CloudTrail record, in
 * a drawer over the table (the table keeps its columns). Values can become filters (⊕) or be copied.
 */
export function EventDetails(props: { id: string; onClose: () => void; onFilter: (key: FilterKey, value: string) => void }) {
  const [event, { refetch }] = createResource(
    () => props.id,
    (id) => call(api.events[":id"].$get({ param: { id } })),
  );
  let closeButton!: HTMLButtonElement;

  onMount(() => {
    closeButton.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    document.addEventListener("keydown", onKey);
    onCleanup(() => document.removeEventListener("keydown", onKey));
  });

  return (
    <aside class="details" aria-labelledby="details-title" data-testid="event-details">
      <header class="details-head">
        <h2 id="details-title">Event details</h2>
        <CopyButton text={`${location.origin}/events?event=${encodeURIComponent(props.id)}`} label="Copy link to this event" />
        <button ref={closeButton} type="button" class="btn btn-ghost btn-small" onClick={() => props.onClose()} aria-label="Close event details">
          ✕
        </button>
      </header>
      <Switch>
        <Match when={event.error}>
          <ErrorBox error={event.error} retry={refetch} />
        </Match>
        <Match when={event.loading && !event.latest}>
          <Loading label="Loading the event…" />
        </Match>
        <Match when={!event.error && event.latest}>
          {(e) => (
            <div class="details-body">
              <p class="details-title">
                <strong>{e().eventName}</strong> by <strong>{e().userName}</strong>
                <Show when={e().errorCode}>
                  <span class="badge badge-error">{e().errorCode}</span>
                </Show>
              </p>
              <dl class="fields">
                <Field label="Event time" value={`${formatTimeZoned(e().eventTime)} (${e().eventTime})`} />
                <Field label="Event name" value={e().eventName} filter="eventName" onFilter={props.onFilter} />
                <Field label="Event type" value={e().eventType} />
                <Field label="Event source" value={e().eventSource} filter="eventSource" onFilter={props.onFilter} />
                <Field label="Read only" value={e().readOnly ? "Yes" : "No"} />
                <Field label="User name" value={e().userName} filter="userName" onFilter={props.onFilter} />
                <Field label="Access key" value={e().accessKeyId} filter="accessKeyId" onFilter={props.onFilter} mono />
                <Field label="Project" value={e().project} filter="project" onFilter={props.onFilter} />
                <Field label="Account" value={e().recipientAccountId} />
                {/* No source-IP filter key: free-text search finds the address in every event that has it. */}
                <Field label="Source IP address" value={e().sourceIPAddress} filter="search" onFilter={props.onFilter} />
                <Field label="User agent" value={e().userAgent} />
                <Field label="Request ID" value={e().requestID} mono copy />
                <Field label="Event ID" value={e().eventID} mono copy />
                <Show when={e().errorCode}>
                  <Field label="Error code" value={e().errorCode} />
                  <Field label="Error message" value={e().errorMessage} />
                </Show>
              </dl>
              <h3>Resources</h3>
              <Show when={e().resources.length > 0} fallback={<p class="muted">No resources referenced.</p>}>
                <table class="mini">
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col">Name</th>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={e().resources}>
                      {(r) => (
                        <tr>
                          <td>{r.type}</td>
                          <td class="mono">{r.name}</td>
                          <td class="row-actions">
                            <button
                              type="button"
                              class="btn btn-small"
                              onClick={() => props.onFilter("resourceName", r.name)}
                              title="Every event of this resource in the period"
                            >
                              All events of this resource
                            </button>
                            <CopyButton text={r.name} label={`Copy resource ${r.name}`} />
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
              <h3>Request parameters</h3>
              <pre class="json">{prettyJson(e().requestParameters)}</pre>
              <h3>Response elements</h3>
              <pre class="json">{prettyJson(e().responseElements)}</pre>
              <Show when={e().additionalEventData}>
                <h3>Additional event data</h3>
                <pre class="json">{prettyJson(e().additionalEventData)}</pre>
              </Show>
              <div class="raw-head">
                <h3>Event record</h3>
                <CopyButton text={prettyJson(e().record)} label="Copy JSON" class="btn btn-small" />
              </div>
              <pre class="json raw" data-testid="raw-record">
                {prettyJson(e().record)}
              </pre>
            </div>
          )}
        </Match>
      </Switch>
    </aside>
  );
}

function Field(props: {
  label: string;
  value: string | null | undefined;
  mono?: boolean;
  /** The value can become a filter (⊕). */
  filter?: FilterKey;
  onFilter?: (key: FilterKey, value: string) => void;
  /** The value can be copied. */
  copy?: boolean;
}) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd classList={{ mono: !!props.mono }}>
        <span class="value">{props.value || "—"}</span>
        <Show when={props.value && props.filter}>
          <button
            type="button"
            class="btn btn-small btn-ghost icon-btn"
            aria-label={`Filter by ${props.label.toLowerCase()} ${props.value}`}
            title={`Show only events with ${props.label.toLowerCase()} ${props.value}`}
            onClick={() => props.onFilter?.(props.filter!, props.value!)}
          >
            ⊕
          </button>
        </Show>
        <Show when={props.value && props.copy}>
          <CopyButton text={props.value!} label={`Copy ${props.label.toLowerCase()}`} />
        </Show>
      </dd>
    </>
  );
}
