import { A } from "@solidjs/router";
import { Show } from "solid-js";
import { formatAgo, formatTime } from "../lib/format.ts";
import { deliveryStatusLabel, describeRuleFilter, RULE_STATE_CLASS, RULE_STATE_LABEL, ruleHref, ruleState } from "../lib/rules.ts";
import type { Rule } from "../rules-api.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";

/**
 * One rule in the Rules table: what it matches and where it sends it, whether it is on (and why
 * not), its last delivery and last error, and its actions.
 */
export function RuleRow(props: {
  rule: Rule;
  /** Edit is off while the create or edit form is open. */
  editDisabled: boolean;
  onSetEnabled: (on: boolean) => Promise<void>;
  onEdit: () => void;
  onTest: () => Promise<void>;
  onRotate: () => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const r = () => props.rule;
  const state = () => ruleState(r());
  return (
    <tr data-rule={r().name}>
      <td class="rule-cell">
        <A href={ruleHref(r().name)} class="strong" aria-label={`Delivery log of ${r().name}`}>
          {r().name}
        </A>
        <div class="muted small rule-filter-text">{describeRuleFilter(r().filter)}</div>
        <div class="mono small rule-url">{r().url}</div>
      </td>
      <td data-label="Status">
        <span class={`status ${RULE_STATE_CLASS[state()]}`} data-testid="rule-status">
          {RULE_STATE_LABEL[state()]}
        </span>
        <Show when={r().paused}>
          <div class="muted small" data-testid="rule-paused">
            Delivery paused{r().pausedSince ? ` since ${formatTime(r().pausedSince)}` : ""}: the subscription is inactive. Events of the gap are not sent later.
          </div>
        </Show>
        <Show when={!r().paused && r().lastPause}>
          {(gap) => (
            <div class="muted small" data-testid="rule-gap">
              Events of {formatTime(gap().from)} – {formatTime(gap().to)} were not sent: the subscription was inactive.
            </div>
          )}
        </Show>
        <Show when={!r().enabled && r().disabledReason}>
          <div class="small error-text" data-testid="rule-disabled-reason">
            {r().disabledReason}
          </div>
        </Show>
      </td>
      <td class="nowrap" data-label="Last delivery" data-testid="rule-last-delivery">
        <Show when={r().lastDelivery} fallback={<span class="muted">never</span>}>
          {(d) => (
            <>
              {deliveryStatusLabel(d().status)}
              {d().responseCode !== null ? ` · HTTP ${d().responseCode}` : ""}
              <div class="muted small">
                {formatTime(d().at)} · {formatAgo(d().at, Date.now())}
              </div>
            </>
          )}
        </Show>
      </td>
      <td class="error-cell" data-label="Last error" data-testid="rule-last-error">
        <Show when={r().lastError} fallback={<span class="muted">—</span>}>
          {(e) => (
            <>
              <span class="error-text">{e().message}</span>
              <div class="muted small">at {formatTime(e().at)}</div>
            </>
          )}
        </Show>
      </td>
      <td class="row-actions" data-label="">
        <A class="btn btn-small" href={ruleHref(r().name)}>
          Log
        </A>
        <button type="button" class="btn btn-small" onClick={() => void props.onTest()} aria-label={`Send a test event to ${r().name}`}>
          Test
        </button>
        <button
          type="button"
          class="btn btn-small"
          onClick={() => void props.onSetEnabled(!r().enabled)}
          aria-label={`${r().enabled ? "Disable" : "Enable"} ${r().name}`}
        >
          {r().enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" class="btn btn-small" disabled={props.editDisabled} onClick={() => props.onEdit()} aria-label={`Edit ${r().name}`}>
          Edit
        </button>
        <ConfirmButton
          label="Rotate secret"
          class="btn btn-small"
          ariaLabel={`Rotate the secret of ${r().name}`}
          title={`Rotate the secret of ${r().name}?`}
          message={
            <p>
              A new secret signs every request from now on; the old one (<code>{r().secretHint}</code>) stops at once. Your receiver rejects the requests until
              it has the new secret.
            </p>
          }
          confirmLabel="Rotate secret"
          onConfirm={() => props.onRotate()}
        />
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete ${r().name}`}
          title={`Delete rule ${r().name}?`}
          message={<p>No more notifications are sent for it. A deleted rule cannot be restored.</p>}
          confirmLabel="Delete rule"
          onConfirm={() => props.onDelete()}
        />
      </td>
    </tr>
  );
}
