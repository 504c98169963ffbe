import { A, useSearchParams } from "@solidjs/router";
import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { ApiError } from "../api.ts";
import { RuleForm } from "../components/RuleForm.tsx";
import { RuleRow } from "../components/RuleRow.tsx";
import { SecretNotice } from "../components/SecretNotice.tsx";
import { Empty, ErrorBox, Loading } from "../components/States.tsx";
import { filterFromParams } from "../lib/filters.ts";
import { zoneLabel } from "../lib/format.ts";
import { draftFromEventsFilter, ruleHref } from "../lib/rules.ts";
import { type Rule, type RuleInput, rulesApi } from "../rules-api.ts";
import { member } from "../session.ts";

const messageOf = (e: unknown) => (e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));

/**
 * The Rules view: each rule's state, last delivery and last error; create (from a template or the
 * Events view's filters: `?create=1&eventName=…` opens the form prefilled), edit, enable/disable,
 * test, rotate the secret, delete. A new secret is shown once, here.
 */
export function RulesPage() {
  const [params, setParams] = useSearchParams();
  const [list, { refetch }] = createResource(() => rulesApi.list());
  // Never read a failed resource's value: it would throw out of the view (the error is shown below).
  const latest = () => (list.error ? undefined : list.latest);
  const atLimit = () => !!latest() && latest()!.quota.used >= latest()!.quota.limit;
  const limitReason = () =>
    `This account has ${latest()?.quota.used} of ${latest()?.quota.limit} rules: delete one to create another, or ask support to raise the limit.`;

  type Mode = { kind: "create"; fromEvents: boolean } | { kind: "edit"; rule: Rule };
  const [mode, setMode] = createSignal<Mode | undefined>(params.create === "1" ? { kind: "create", fromEvents: true } : undefined);
  const [templates] = createResource(
    () => mode()?.kind === "create",
    () => rulesApi.templates(),
  );
  const [secret, setSecret] = createSignal<{ rule: string; secret: string; rotated: boolean }>();
  const [notice, setNotice] = createSignal<{ rule: string; text: string }>();
  const [actionError, setActionError] = createSignal<string>();

  let createButton!: HTMLButtonElement;
  /** When the form or the secret closes, focus lands on Create rule (not at the top of the page). */
  const refocus = () => queueMicrotask(() => createButton.focus());
  /** The prefill lives in the URL (shareable, and Back returns to it); closing the form clears it. */
  const closeForm = () => {
    setMode(undefined);
    if (!secret()) refocus();
    if (params.create) {
      const cleared: Record<string, undefined> = {};
      for (const k of Object.keys(params)) cleared[k] = undefined;
      setParams(cleared, { replace: true });
    }
  };
  const openCreate = () => {
    setNotice(undefined);
    setMode({ kind: "create", fromEvents: false });
  };

  const create = async (input: RuleInput) => {
    const answer = await rulesApi.create(input);
    setSecret({ rule: answer.rule.name, secret: answer.secret, rotated: false });
    // The form closes onto the list as it now is.
    await refetch();
    closeForm();
  };
  const edit = async (name: string, input: RuleInput) => {
    await rulesApi.update(name, { filter: input.filter, url: input.url, enabled: input.enabled });
    await refetch();
    closeForm();
  };
  /** A row action: its failure shows above the table, and the list is read again either way. */
  const act = async (what: () => Promise<void>) => {
    setActionError(undefined);
    try {
      await what();
    } catch (e) {
      setActionError(messageOf(e));
    }
    await refetch();
  };
  const setEnabled = (name: string, on: boolean) => act(async () => void (await rulesApi.update(name, { enabled: on })));
  const sendTest = (name: string) =>
    act(async () => {
      setNotice(undefined);
      await rulesApi.sendTest(name);
      setNotice({ rule: name, text: `A test event for ${name} is on its way.` });
    });
  // Rotate and delete run inside their confirm dialogs, which show a failure themselves.
  const rotate = async (name: string) => {
    const answer = await rulesApi.rotateSecret(name);
    setSecret({ rule: name, secret: answer.secret, rotated: true });
    await refetch();
  };
  const remove = async (name: string) => {
    await rulesApi.remove(name);
    if (secret()?.rule === name) setSecret(undefined);
    await refetch();
  };

  return (
    <div class="page">
      <div class="view-head">
        <div>
          <h1>Rules</h1>
          <Show when={latest()}>
            {(l) => (
              <p class="subtitle" data-testid="rule-quota">
                {l().quota.used} of {l().quota.limit} rules · matching events are sent to your webhook within seconds · times in {zoneLabel()}
              </p>
            )}
          </Show>
        </div>
        <div class="actions">
          <button type="button" class="btn btn-ghost btn-small" onClick={() => void refetch()} title="Read the rules and their last deliveries again">
            ↻ Refresh
          </button>
          <button
            ref={createButton}
            type="button"
            class="btn btn-primary"
            disabled={atLimit() || !!mode()}
            title={atLimit() ? limitReason() : undefined}
            onClick={openCreate}
          >
            Create rule
          </button>
        </div>
      </div>
      <Show when={atLimit() && mode()?.kind !== "edit"}>
        <p class="alert alert-info" data-testid="rule-limit">
          {limitReason()}
        </p>
      </Show>
      <Show when={secret()} keyed>
        {(s) => (
          <SecretNotice
            rule={s.rule}
            secret={s.secret}
            rotated={s.rotated}
            onDone={() => {
              setSecret(undefined);
              refocus();
            }}
          />
        )}
      </Show>
      <Show when={notice()}>
        {(n) => (
          <p class="alert alert-info" role="status" data-testid="rule-notice">
            <span>{n().text}</span> <A href={ruleHref(n().rule)}>Open its delivery log</A>
          </p>
        )}
      </Show>
      <Show when={actionError()}>
        <p class="alert alert-error" role="alert">
          {actionError()}
        </p>
      </Show>
      {/* keyed: the form belongs to one mode value and never reads a stale one after it closes */}
      <Show when={mode()} keyed>
        {(m) => (
          <RuleForm
            rule={m.kind === "edit" ? m.rule : undefined}
            initial={m.kind === "create" && m.fromEvents ? draftFromEventsFilter(filterFromParams(params)) : undefined}
            templates={templates.error ? undefined : templates.latest?.templates}
            templatesError={templates.error ? messageOf(templates.error) : undefined}
            projects={member()?.projects ?? []}
            onCancel={closeForm}
            onSubmit={(input) => (m.kind === "edit" ? edit(m.rule.name, input) : create(input))}
          />
        )}
      </Show>
      <Switch>
        <Match when={list.error}>
          <ErrorBox error={list.error} retry={refetch} />
        </Match>
        <Match when={!latest()}>
          <Loading label="Loading rules…" />
        </Match>
        <Match when={latest()?.rules.length === 0 && !mode()}>
          <Empty title="No rules yet">
            <p>
              A rule sends each new event that matches its filter to a webhook of yours within seconds: a trail stopped, a production instance terminated,
              failed sign-ins. Start from a template, or set filters in <A href="/events">Events</A> and choose <em>Create rule</em> there.
            </p>
          </Empty>
        </Match>
        <Match when={(latest()?.rules.length ?? 0) > 0}>
          <div class="table-wrap">
            <table class="grid" aria-label="Rules">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last delivery</th>
                  <th scope="col">Last error</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={latest()!.rules}>
                  {(r) => (
                    <RuleRow
                      rule={r}
                      editDisabled={!!mode()}
                      onSetEnabled={(on) => setEnabled(r.name, on)}
                      onEdit={() => {
                        setNotice(undefined);
                        setMode({ kind: "edit", rule: r });
                      }}
                      onTest={() => sendTest(r.name)}
                      onRotate={() => rotate(r.name)}
                      onDelete={() => remove(r.name)}
                    />
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
      </Switch>
    </div>
  );
}
