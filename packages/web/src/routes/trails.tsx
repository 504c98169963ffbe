import { DEFAULT_QUOTAS } from "@activity-log/core";
import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { api, call, type Trail } from "../api.ts";
import { Empty, ErrorBox, Loading } from "../components/States.tsx";
import { TrailForm, type TrailInput } from "../components/TrailForm.tsx";
import { TrailRow } from "../components/TrailRow.tsx";
import { zoneLabel } from "../lib/format.ts";
import { member } from "../session.ts";

export function TrailsPage() {
  const [list, { refetch }] = createResource(() => call(api.trails.$get()));
  const [mode, setMode] = createSignal<{ kind: "create" } | { kind: "edit"; trail: Trail }>();
  const [actionError, setActionError] = createSignal<string>();
  const me = member;
  // Never read a failed resource's value: it would throw out of the view (the error is shown below).
  const latest = () => (list.error ? undefined : list.latest);
  const atLimit = () => !!latest() && latest()!.count >= latest()!.limit;

  const create = async (input: TrailInput) => {
    await call(api.trails.$post({ json: input }));
    setMode(undefined);
    await refetch();
  };
  const edit = async (name: string, input: TrailInput) => {
    await call(
      api.trails[":name"].$patch({
        param: { name },
        json: { bucket: input.bucket, project: input.project, prefix: input.prefix, readWriteType: input.readWriteType },
      }),
    );
    setMode(undefined);
    await refetch();
  };
  const setLogging = async (name: string, on: boolean) => {
    setActionError(undefined);
    try {
      await call(on ? api.trails[":name"].start.$post({ param: { name } }) : api.trails[":name"].stop.$post({ param: { name } }));
      await refetch();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };
  const remove = async (name: string) => {
    await call(api.trails[":name"].$delete({ param: { name } }));
    await refetch();
  };

  return (
    <div class="page">
      <div class="view-head">
        <div>
          <h1>Trails</h1>
          <Show when={latest()}>
            {(l) => (
              <p class="subtitle" data-testid="trail-count">
                {l().count} of {l().limit} trails · archives every 5 minutes to your bucket · times in {zoneLabel()}
              </p>
            )}
          </Show>
        </div>
        <div class="actions">
          <button
            type="button"
            class="btn btn-primary"
            disabled={atLimit() || !!mode()}
            title={atLimit() ? `The account has ${latest()?.count} of ${latest()?.limit} trails: delete one to create another.` : undefined}
            onClick={() => setMode({ kind: "create" })}
          >
            Create trail
          </button>
        </div>
      </div>
      <Show when={atLimit() && !mode()}>
        <p class="alert alert-info">
          This account has reached its limit of {latest()?.limit} trails. Delete a trail to create another, or ask support to raise the limit.
        </p>
      </Show>
      <Show when={actionError()}>
        <p class="alert alert-error" role="alert">
          {actionError()}
        </p>
      </Show>
      {/* keyed: the form belongs to one mode value and never reads a stale one after it closes */}
      <Show when={mode()} keyed>
        {(m) => (
          <TrailForm
            trail={m.kind === "edit" ? m.trail : undefined}
            projects={me()?.projects ?? []}
            defaultProject={me()?.project ?? "default"}
            onCancel={() => setMode(undefined)}
            onSubmit={(input) => (m.kind === "edit" ? edit(m.trail.name, input) : create(input))}
          />
        )}
      </Show>
      <Switch>
        <Match when={list.error}>
          <ErrorBox error={list.error} retry={refetch} />
        </Match>
        <Match when={!latest()}>
          <Loading label="Loading trails…" />
        </Match>
        <Match when={latest()?.trails.length === 0 && !mode()}>
          <Empty title="No trails yet">
            <p>
              Events are kept for {me()?.quotas.retentionDays ?? DEFAULT_QUOTAS.retentionDays} days. To keep them longer — a year of evidence for auditors —
              create a trail: it saves every event to an object-storage bucket of yours.
            </p>
          </Empty>
        </Match>
        <Match when={(latest()?.trails.length ?? 0) > 0}>
          <div class="table-wrap">
            <table class="grid" aria-label="Trails">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Bucket</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last delivery</th>
                  <th scope="col">Last error</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={latest()!.trails}>
                  {(t) => (
                    <TrailRow
                      trail={t}
                      editDisabled={!!mode()}
                      onSetLogging={(on) => setLogging(t.name, on)}
                      onEdit={() => setMode({ kind: "edit", trail: t })}
                      onDelete={() => remove(t.name)}
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
