import { Show } from "solid-js";
import type { Trail } from "../api.ts";
import { formatAgo, formatTime } from "../lib/format.ts";
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
  return (
    <tr data-trail={t().name}>
      <td>
        <strong>{t().name}</strong>
        <div class="muted small">
          project {t().project} · {t().readWriteType === "All" ? "all events" : t().readWriteType === "WriteOnly" ? "changes only" : "reads only"}
        </div>
      </td>
      <td class="mono">{t().bucket}</td>
      <td class="mono">{t().prefix || "—"}</td>
      <td>
        <span class={`status ${t().isLogging ? "status-ready" : "status-stopped"}`} data-testid="trail-status">
          {t().isLogging ? "Logging" : "Stopped"}
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
      <td class="nowrap" title={t().latestDeliveryTime ?? undefined}>
        {formatAgo(t().latestDeliveryTime, Date.now())}
      </td>
      <td class="error-cell">
        <Show when={t().latestDeliveryError} fallback={<span class="muted">—</span>}>
          <span class="error-text">{t().latestDeliveryError}</span>
        </Show>
      </td>
      <td class="row-actions">
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
