import { RULE_NAME_HINT, ruleNameProblem } from "@activity-log/core";
import { createSignal, createUniqueId, For, onMount, Show } from "solid-js";
import { ApiError } from "../api.ts";
import { searchProblem } from "../lib/filters.ts";
import {
  actionsProblem,
  draftFromRuleFilter,
  isMatchEverything,
  parseActions,
  type RuleFilterDraft,
  ruleFilterOfDraft,
  webhookUrlProblem,
} from "../lib/rules.ts";
import type { Rule, RuleInput, RuleTemplate } from "../rules-api.ts";
import { AttributeFields, ErrorsOnlyField, ReadOnlyField, SearchField } from "./FilterFields.tsx";

/**
 * Create or edit a rule: which events (the Events view's filter fields, plus several actions at
 * once), where they go (the webhook URL) and whether it is on. On create, a template can fill the
 * filter; one that needs a project asks for it. The server's refusals are shown verbatim.
 */
export function RuleForm(props: {
  rule?: Rule;
  /** The create form's starting filter (from the Events view's "Create rule with these filters"). */
  initial?: RuleFilterDraft;
  templates?: RuleTemplate[];
  templatesError?: string;
  projects: string[];
  onSubmit: (input: RuleInput) => Promise<void>;
  onCancel: () => void;
}) {
  const editing = () => !!props.rule;
  const start = props.rule ? draftFromRuleFilter(props.rule.filter) : (props.initial ?? { fields: { readOnly: "false", errorsOnly: false }, actions: [] });
  const [name, setName] = createSignal(props.rule?.name ?? "");
  const [url, setUrl] = createSignal(props.rule?.url ?? "");
  const [enabled, setEnabled] = createSignal(props.rule?.enabled ?? true);
  const [draft, setDraft] = createSignal<RuleFilterDraft>(start);
  const [actionsText, setActionsText] = createSignal(start.actions.join(", "));
  const [template, setTemplate] = createSignal<RuleTemplate>();
  const [templateProject, setTemplateProject] = createSignal("");
  const [touched, setTouched] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<{ code: string; message: string }>();
  const id = createUniqueId();
  let nameInput!: HTMLInputElement;
  let urlInput!: HTMLInputElement;
  // The button that opened the form is disabled while it is open: focus moves into the form.
  onMount(() => (editing() ? urlInput : nameInput).focus());

  const actions = () => parseActions(actionsText());
  const filter = () => ruleFilterOfDraft({ ...draft(), actions: actions() });
  const nameProblem = () => (editing() ? null : ruleNameProblem(name()));
  const urlProblem = () => webhookUrlProblem(url());
  const needsProject = () => !!template()?.needs?.includes("project");
  const projectProblem = () => (needsProject() && !templateProject() ? "Choose the project this rule watches." : null);
  const problems = () =>
    [nameProblem(), urlProblem(), actionsProblem(actions()), searchProblem(draft().fields.search ?? ""), projectProblem()].filter((p): p is string => !!p);

  const setField = (patch: Partial<RuleFilterDraft["fields"]>) => setDraft((d) => ({ ...d, fields: { ...d.fields, ...patch } }));
  const chooseTemplate = (t: RuleTemplate | undefined) => {
    const previous = template();
    setTemplate(t);
    const next = t ? draftFromRuleFilter(t.filter) : start;
    if (t?.needs?.includes("project") && templateProject()) next.fields.project = templateProject();
    setDraft(next);
    setActionsText(next.actions.join(", "));
    // A name typed by the user stays; the previous template's suggestion does not.
    if (t && (name() === "" || name() === previous?.id)) setName(t.id);
    if (!t && previous && name() === previous.id) setName("");
  };
  const chooseProject = (p: string) => {
    setTemplateProject(p);
    setField({ project: p || undefined });
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problems().length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({ name: name(), filter: filter(), url: url().trim(), enabled: enabled() });
    } catch (err) {
      setError(err instanceof ApiError ? { code: err.code, message: err.message } : { code: "Error", message: String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card rule-form" onSubmit={submit} aria-labelledby={`${id}-title`} novalidate data-testid="rule-form">
      <h2 id={`${id}-title`}>{editing() ? `Edit rule ${props.rule!.name}` : "Create a rule"}</h2>
      <p class="muted">
        Every new event that matches is sent at once to the URL as a signed POST request (Standard Webhooks: <code>webhook-id</code>,{" "}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>), retried for 24 hours if it fails.
      </p>
      <Show when={!editing()}>
        <fieldset class="templates">
          <legend>Start from</legend>
          <Show when={props.templatesError}>
            <p class="hint hint-error">Templates could not be loaded: {props.templatesError}</p>
          </Show>
          <div class="template-list">
            <label class="template" classList={{ chosen: !template() }}>
              <input type="radio" name={`${id}-template`} checked={!template()} onChange={() => chooseTemplate(undefined)} />
              <span class="template-text">
                <strong>{props.initial ? "The filters from Events" : "Your own filter"}</strong>
                <span class="muted small">{props.initial ? "As set in the Events view; change them below." : "Set the fields below yourself."}</span>
              </span>
            </label>
            <For each={props.templates ?? []}>
              {(t) => (
                <label class="template" classList={{ chosen: template()?.id === t.id }} data-template={t.id}>
                  <input type="radio" name={`${id}-template`} checked={template()?.id === t.id} onChange={() => chooseTemplate(t)} />
                  <span class="template-text">
                    <strong>{t.title}</strong>
                    <span class="muted small">{t.description}</span>
                  </span>
                </label>
              )}
            </For>
          </div>
          <Show when={needsProject()}>
            <label class="field template-project">
              <span>Project to watch</span>
              <select
                name="templateProject"
                value={templateProject()}
                aria-invalid={touched() && projectProblem() ? "true" : undefined}
                onChange={(e) => chooseProject(e.currentTarget.value)}
              >
                <option value="">Choose a project…</option>
                <For each={props.projects}>{(p) => <option value={p}>{p}</option>}</For>
              </select>
              <Show when={touched() && projectProblem()}>
                <span class="hint hint-error">{projectProblem()}</span>
              </Show>
            </label>
          </Show>
        </fieldset>
      </Show>
      <div class="form-grid">
        <label class="field">
          <span>Rule name</span>
          <input
            ref={nameInput}
            name="name"
            value={name()}
            disabled={editing()}
            required
            spellcheck={false}
            autocomplete="off"
            aria-invalid={(touched() || name()) && nameProblem() ? "true" : undefined}
            aria-describedby={`${id}-name-hint`}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <span id={`${id}-name-hint`} class="hint" classList={{ "hint-error": !!nameProblem() && (touched() || name() !== "") }}>
            {(touched() || name() !== "") && nameProblem() ? nameProblem() : editing() ? "A rule keeps its name." : RULE_NAME_HINT}
          </span>
        </label>
        <label class="field">
          <span>Webhook URL</span>
          <input
            ref={urlInput}
            name="url"
            type="url"
            inputmode="url"
            value={url()}
            required
            spellcheck={false}
            autocomplete="off"
            placeholder="https://hooks.example.com/activity-log"
            aria-invalid={touched() && urlProblem() ? "true" : undefined}
            aria-describedby={`${id}-url-hint`}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
          <span id={`${id}-url-hint`} class="hint" classList={{ "hint-error": touched() && !!urlProblem() }}>
            {touched() && urlProblem() ? urlProblem() : "https, or http to a host your operator allows."}
          </span>
        </label>
      </div>
      <fieldset class="filters rule-filter">
        <legend>Events that trigger it</legend>
        <div class="filter-row">
          <label class="cfield grow">
            <span>Actions</span>
            <input
              name="actions"
              value={actionsText()}
              placeholder="any · e.g. StopLogging, DeleteTrail"
              spellcheck={false}
              autocomplete="off"
              aria-describedby={`${id}-actions-hint`}
              aria-invalid={actionsProblem(actions()) ? "true" : undefined}
              onInput={(e) => setActionsText(e.currentTarget.value)}
            />
          </label>
          <ReadOnlyField value={draft().fields.readOnly} onChange={(readOnly) => setField({ readOnly })} />
          <ErrorsOnlyField checked={draft().fields.errorsOnly} onChange={(errorsOnly) => setField({ errorsOnly })} />
        </div>
        <span id={`${id}-actions-hint`} class="hint" classList={{ "hint-error": !!actionsProblem(actions()) }}>
          {actionsProblem(actions()) ?? "One or several actions, separated by commas: any of them matches. Leave empty for every action."}
        </span>
        <div class="filter-row">
          <AttributeFields
            keys={["userName", "project", "resourceName", "eventSource", "accessKeyId"]}
            values={draft().fields}
            onChange={(key, value) => setField({ [key]: value || undefined })}
            projects={props.projects}
            live
          />
        </div>
        <div class="filter-row">
          <SearchField id={`${id}-search`} value={draft().fields.search ?? ""} onInput={(search) => setField({ search: search || undefined })} />
        </div>
        <Show when={draft().resourceType}>
          <p class="hint">Also: resource type {draft().resourceType} (kept as it is).</p>
        </Show>
        <Show when={isMatchEverything(filter())}>
          <p class="hint warn-text" data-testid="rule-matches-everything">
            This rule matches every {filter().readOnly === false ? "change" : filter().readOnly === true ? "read" : "event"} of the account. Narrow it with an
            action or another field unless that is what you want.
          </p>
        </Show>
      </fieldset>
      <label class="check rule-enabled">
        <input type="checkbox" name="enabled" checked={enabled()} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        Enabled: send notifications
      </label>
      <Show when={touched() && problems().length > 0}>
        <ul class="alert alert-error problems" role="alert">
          <For each={problems()}>{(p) => <li>{p}</li>}</For>
        </ul>
      </Show>
      <Show when={error()}>
        <div class="alert alert-error" role="alert" data-testid="rule-error">
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
        <button type="submit" class="btn btn-primary" disabled={busy()}>
          {busy() ? "Saving…" : editing() ? "Save changes" : "Create rule"}
        </button>
      </div>
    </form>
  );
}
