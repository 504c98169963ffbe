import type { JSX } from "solid-js";
import { Show } from "solid-js";

/** Loading, empty and error states, the same everywhere. */
export function Loading(props: { label?: string }) {
  return (
    <div class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? "Loading…"}
    </div>
  );
}

export function Empty(props: { title: string; children?: JSX.Element }) {
  return (
    <div class="state empty">
      <p class="state-title">{props.title}</p>
      <Show when={props.children}>
        <div class="state-body">{props.children}</div>
      </Show>
    </div>
  );
}

export function ErrorBox(props: { error: unknown; retry?: () => void }) {
  const message = () => (props.error instanceof Error ? props.error.message : String(props.error));
  const code = () => (props.error as { code?: string } | undefined)?.code;
  return (
    <div class="alert alert-error" role="alert">
      <div>
        <Show when={code() && code() !== "NetworkError"}>
          <strong>{code()}: </strong>
        </Show>
        {message()}
      </div>
      <Show when={props.retry}>
        <button type="button" class="btn btn-small" onClick={() => props.retry?.()}>
          Try again
        </button>
      </Show>
    </div>
  );
}
