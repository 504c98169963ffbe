import { createSignal, createUniqueId, type JSX, Show } from "solid-js";

/**
 * A button that asks before doing something irreversible, in a native modal <dialog>
 * (focus trapped, Esc cancels).
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  message: JSX.Element;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
  class?: string;
  ariaLabel?: string;
}) {
  let dialog!: HTMLDialogElement;
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();
  // Several on one page (a row's Delete and Rotate): each dialog names its own title.
  const titleId = `confirm-title-${createUniqueId()}`;
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      dialog.close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.class ?? "btn btn-small btn-danger-ghost"}
        disabled={props.disabled}
        aria-label={props.ariaLabel}
        onClick={() => {
          setError(undefined);
          dialog.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} class="dialog" aria-labelledby={titleId}>
        <h2 id={titleId}>{props.title}</h2>
        <div class="dialog-body">{props.message}</div>
        <Show when={error()}>
          <p class="alert alert-error" role="alert">
            {error()}
          </p>
        </Show>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => dialog.close()} autofocus>
            Cancel
          </button>
          <button type="button" class="btn btn-danger" disabled={busy()} onClick={() => void confirm()}>
            {busy() ? "Working…" : props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
