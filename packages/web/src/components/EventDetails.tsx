import { createResource, createSignal, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { api, call } from "../api.ts";
import { formatTime, prettyJson } from "../lib/format.ts";
import { ErrorBox, Loading } from "./States.tsx";

/** Every field of one event, its resources, request/response JSON and the raw CloudTrail record. */
export function EventDetails(props: { id: string; onClose: () => void }) {
  const [event, { refetch }] = createResource(
    () => props.id,
    (id) => call(api.events[":id"].$get({ param: { id } })),
  );
  const [copied, setCopied] = createSignal(false);
  let closeButton!: HTMLButtonElement;

  onMount(() => {
    closeButton.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    document.addEventListener("keydown", onKey);
    onCleanup(() => document.removeEventListener("keydown", onKey));
  });

  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API needs a secure context; fall back to a selection copy.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return (
    <aside class="details" aria-labelledby="details-title" data-testid="event-details">
      <header class="details-head">
        <h2 id="details-title">Event details</h2>
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
        <Match when={event.latest}>
          {(e) => (
            <div class="details-body">
              <p class="details-title">
                <strong>{e().eventName}</strong> by <strong>{e().userName}</strong>
                <Show when={e().errorCode}>
                  <span class="badge badge-error">{e().errorCode}</span>
                </Show>
              </p>
              <dl class="fields">
                <Field label="Event time" value={`${formatTime(e().eventTime)} (${e().eventTime})`} />
                <Field label="Event name" value={e().eventName} />
                <Field label="Event type" value={e().eventType} />
                <Field label="Event source" value={e().eventSource} />
                <Field label="Read only" value={e().readOnly ? "Yes" : "No"} />
                <Field label="User name" value={e().userName} />
                <Field label="Access key" value={e().accessKeyId} />
                <Field label="Project" value={e().project} />
                <Field label="Account" value={e().recipientAccountId} />
                <Field label="Source IP address" value={e().sourceIPAddress} />
                <Field label="User agent" value={e().userAgent} />
                <Field label="Request ID" value={e().requestID} mono />
                <Field label="Event ID" value={e().eventID} mono />
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
                    </tr>
                  </thead>
                  <tbody>
                    <For each={e().resources}>
                      {(r) => (
                        <tr>
                          <td>{r.type}</td>
                          <td class="mono">{r.name}</td>
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
                <button type="button" class="btn btn-small" onClick={() => void copy(prettyJson(e().record))}>
                  {copied() ? "Copied ✓" : "Copy JSON"}
                </button>
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

function Field(props: { label: string; value: string | null | undefined; mono?: boolean }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd classList={{ mono: !!props.mono }}>{props.value || "—"}</dd>
    </>
  );
}
