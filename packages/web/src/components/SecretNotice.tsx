import { onMount } from "solid-js";
import { CopyButton } from "./CopyButton.tsx";

/**
 * A rule's signing secret, right after it was created or rotated: the only time the console has it.
 * It stays on screen until dismissed, with a copy button and the warning that it is not shown again.
 */
export function SecretNotice(props: { rule: string; secret: string; rotated: boolean; onDone: () => void }) {
  let input!: HTMLInputElement;
  // Focus (and select) the secret: the next thing to do is to copy it.
  onMount(() => input.focus());
  return (
    <section class="card secret-notice" aria-labelledby="secret-title" data-testid="rule-secret">
      <h2 id="secret-title">
        {props.rotated ? "New signing secret" : "Signing secret"} of rule {props.rule}
      </h2>
      <p>
        <strong>Copy it now: you will not see it again.</strong> Your receiver verifies each request's <code>webhook-signature</code> with it.
        {props.rotated ? " The old secret no longer signs anything." : ""} If it is lost, rotate the secret.
      </p>
      <div class="secret-row">
        <input
          ref={input}
          class="mono"
          readonly
          value={props.secret}
          aria-label="Signing secret"
          data-testid="rule-secret-value"
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={props.secret} label="Copy secret" class="btn btn-small" />
      </div>
      <div class="form-actions">
        <button type="button" class="btn btn-primary" onClick={() => props.onDone()}>
          I have stored it
        </button>
      </div>
    </section>
  );
}
