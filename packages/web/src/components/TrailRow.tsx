import { Show } from "solid-js";
import type { Trail } from "../api.ts";
import { formatAgo, formatTime, formatTimeZoned } from "../lib/format.ts";
import { ConfirmButton } from "./ConfirmButton.tsx";

/**
 * One trail in the Trails table: where it archives to, whether it is logging (and any windows it
 * skipped), its last delivery and error, and its actions (start/stop, edit, delete after asking).
 */
export function TrailRow(props: {
  trail: Trail;
  /** Edit is off while the create or edit form is open. */
  editDisabled: boolean;
  onSetLogging: (on: boolean) => Promise<void>;
  onEdit: () => void;
  onDelete: () => Promise<void>;
}) {
  const t = () => props.trail;
  /** Logging, but the last delivery attempt failed: not healthy, whatever the switch says. */
  const failing = () => t().isLogging && !!t().latestDeliveryError;
  const state = () => (failing() ? "Failing" : t().isLogging ? "Logging" : "Stopped");
  return (
    <tr data-trail={t().name}>
      <td>
        <strong>{t().name}</strong>
        <div class="muted small">
          project {t().project} · {t().readWriteType === "All" ? "all events" : t().readWriteType === "WriteOnly" ? "changes only" : "reads only"}
        </div>
      </td>
      <td class="mono" data-label="Bucket">
        {t().bucket}
      </td>
      <td class="mono" data-label="Prefix">
        {t().prefix || "—"}
      </td>
      <td data-label="Status">
        <span class={`status ${failing() ? "status-failed" : t().isLogging ? "status-ready" : "status-stopped"}`} data-testid="trail-status">
          {state()}
        </span>
        <div class="muted small">
          {t().isLogging ? `since ${formatTime(t().startLoggingTime)}` : t().stopLoggingTime ? `since ${formatTime(t().stopLoggingTime)}` : ""}
        </div>
        <Show when={t().skippedWindows}>
          {(gap) => (
            <div class="muted small" data-testid="trail-gap">
              {gap().windows} {gap().windows === 1 ? "window" : "windows"} not delivered while the subscription was inactive ({formatTime(gap().first)} –{" "}
              {formatTime(gap().last)})
            </div>
          )}
        </Show>
      </td>
      <td class="nowrap" data-label="Last delivery" title={formatTimeZoned(t().latestDeliveryTime)} data-testid="trail-last-success">
        {formatAgo(t().latestDeliveryTime, Date.now())}
        <Show when={t().latestDeliveryTime}>
          <div class="muted small">{formatTimeZoned(t().latestDeliveryTime)}</div>
        </Show>
      </td>
      <td class="error-cell" data-label="Last error">
        <Show when={t().latestDeliveryError} fallback={<span class="muted">—</span>}>
          <span class="error-text">{t().latestDeliveryError}</span>
          {/* The failed attempt is the latest attempt: a success clears the error. */}
          <div class="muted small" data-testid="trail-error-time">
            at {formatTimeZoned(t().latestDeliveryAttemptTime)}
          </div>
        </Show>
      </td>
      <td class="row-actions" data-label="">
        <Show
          when={t().isLogging}
          fallback={
            <button type="button" class="btn btn-small" onClick={() => void props.onSetLogging(true)} aria-label={`Start logging ${t().name}`}>
              Start
            </button>
          }
        >
          <button type="button" class="btn btn-small" onClick={() => void props.onSetLogging(false)} aria-label={`Stop logging ${t().name}`}>
            Stop
          </button>
        </Show>
        <button type="button" class="btn btn-small" disabled={props.editDisabled} onClick={() => props.onEdit()} aria-label={`Edit ${t().name}`}>
          Edit
        </button>
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete ${t().name}`}
          title={`Delete trail ${t().name}?`}
          message={
            <p>
              The trail stops saving events. Archives already in bucket <code>{t().bucket}</code> stay there.
            </p>
          }
          confirmLabel="Delete trail"
          onConfirm={() => props.onDelete()}
        />
      </td>
    </tr>
  );
}
