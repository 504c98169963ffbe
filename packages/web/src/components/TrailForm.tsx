import { MAX_S3_PREFIX_LENGTH, TRAIL_NAME_HINT, trailNameProblem } from "@activity-log/core";
import { createSignal, For, Show } from "solid-js";
import { ApiError, type Trail } from "../api.ts";

export type TrailInput = { name: string; project: string; bucket: string; prefix: string; readWriteType: "All" | "ReadOnly" | "WriteOnly" };

/**
 * Create or edit a trail. The name rules are core's, checked as you type; what only the server can
 * know (bucket missing, no key, no write permission) is shown verbatim from its answer.
 */
export function TrailForm(props: {
  trail?: Trail;
  projects: string[];
  defaultProject: string;
  onSubmit: (input: TrailInput) => Promise<void>;
  onCancel: () => void;
}) {
  const editing = () => !!props.trail;
  const [name, setName] = createSignal(props.trail?.name ?? "");
  const [touched, setTouched] = createSignal(false);
  const [project, setProject] = createSignal(props.trail?.project ?? props.defaultProject);
  const [bucket, setBucket] = createSignal(props.trail?.bucket ?? "");
  const [prefix, setPrefix] = createSignal(props.trail?.prefix ?? "");
  const [readWriteType, setReadWriteType] = createSignal<TrailInput["readWriteType"]>(props.trail?.readWriteType ?? "All");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<{ code: string; message: string }>();

  const nameProblem = () => (editing() ? null : trailNameProblem(name()));
  const prefixProblem = () =>
    prefix().length > MAX_S3_PREFIX_LENGTH ? `The prefix must be at most ${MAX_S3_PREFIX_LENGTH} characters; it has ${prefix().length}.` : null;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setTouched(true);
    if (nameProblem() || prefixProblem() || !bucket().trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({ name: name(), project: project(), bucket: bucket().trim(), prefix: prefix(), readWriteType: readWriteType() });
    } catch (err) {
      setError(err instanceof ApiError ? { code: err.code, message: err.message } : { code: "Error", message: String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card trail-form" onSubmit={submit} aria-labelledby="trail-form-title" novalidate>
      <h2 id="trail-form-title">{editing() ? `Edit trail ${props.trail!.name}` : "Create a trail"}</h2>
      <Show when={!editing()}>
        <p class="muted">The trail starts logging at once: every 5 minutes it saves the account's events of all projects to the bucket.</p>
      </Show>
      <div class="form-grid">
        <label class="field">
          <span>Trail name</span>
          <input
            name="name"
            value={name()}
            disabled={editing()}
            required
            spellcheck={false}
            autocomplete="off"
            aria-invalid={touched() || name() ? (nameProblem() ? "true" : "false") : undefined}
            aria-describedby="trail-name-hint"
            onInput={(e) => setName(e.currentTarget.value)}
            onBlur={() => setTouched(true)}
          />
          <span id="trail-name-hint" class="hint" classList={{ "hint-error": !!nameProblem() && (touched() || name() !== "") }} data-testid="trail-name-hint">
            {(touched() || name() !== "") && nameProblem() ? nameProblem() : TRAIL_NAME_HINT}
          </span>
        </label>
        <label class="field">
          <span>Project of the bucket</span>
          <select name="project" value={project()} onChange={(e) => setProject(e.currentTarget.value)}>
            <For each={props.projects}>{(p) => <option value={p}>{p}</option>}</For>
          </select>
          <span class="hint">Your access key in this project writes the archives.</span>
        </label>
        <label class="field">
          <span>Bucket</span>
          <input
            name="bucket"
            value={bucket()}
            required
            spellcheck={false}
            autocomplete="off"
            aria-invalid={touched() && !bucket().trim() ? "true" : undefined}
            onInput={(e) => setBucket(e.currentTarget.value)}
          />
          <Show when={touched() && !bucket().trim()}>
            <span class="hint hint-error">Enter the bucket the archives go to.</span>
          </Show>
        </label>
        <label class="field">
          <span>Prefix (optional)</span>
          <input
            name="prefix"
            value={prefix()}
            spellcheck={false}
            autocomplete="off"
            placeholder="e.g. audit"
            onInput={(e) => setPrefix(e.currentTarget.value)}
          />
          <span class="hint" classList={{ "hint-error": !!prefixProblem() }}>
            {prefixProblem() ?? "Archives go under <prefix>/AWSLogs/<account>/CloudTrail/…"}
          </span>
        </label>
        <label class="field">
          <span>Events to save</span>
          <select name="readWriteType" value={readWriteType()} onChange={(e) => setReadWriteType(e.currentTarget.value as TrailInput["readWriteType"])}>
            <option value="All">All events</option>
            <option value="WriteOnly">Changes only (write)</option>
            <option value="ReadOnly">Reads only</option>
          </select>
        </label>
      </div>
      <Show when={error()}>
        <div class="alert alert-error" role="alert" data-testid="trail-error">
          {/* One flex item: .alert spreads its children apart, which would leave the colon on its own. */}
          <span>
            <strong>{error()!.code}</strong>: {error()!.message}
          </span>
        </div>
      </Show>
      <div class="form-actions">
        <button type="button" class="btn" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy() || (!editing() && !!nameProblem() && name() !== "")}>
          {busy() ? "Saving…" : editing() ? "Save changes" : "Create and start logging"}
        </button>
      </div>
    </form>
  );
}
