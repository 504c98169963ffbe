import { A, useParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import { ApiError } from "../api.ts";
import { Empty, ErrorBox, Loading } from "../components/States.tsx";
import { formatTime, zoneLabel } from "../lib/format.ts";
import { deliveryStatusClass, deliveryStatusLabel, describeRuleFilter, eventHref, RULE_STATE_CLASS, RULE_STATE_LABEL, ruleState } from "../lib/rules.ts";
import { DELIVERIES_PAGE, type Delivery, rulesApi } from "../rules-api.ts";

const POLL_MS = 2000;

/**
 * One rule's delivery log, newest first: when, which event (a link to it in Events), status,
 * attempts, the receiver's response code, the error and the next attempt. Pages on with the
 * server's nextToken; Refresh starts again from the newest.
 */
export function RuleDeliveriesPage() {
  const params = useParams<{ name: string }>();
  const name = () => params.name;
  const [rule, { refetch: refetchRule }] = createResource(name, (n) => rulesApi.get(n));
  const [deliveries, setDeliveries] = createSignal<Delivery[]>();
  const [nextToken, setNextToken] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [notice, setNotice] = createSignal<string>();
  const [testing, setTesting] = createSignal(false);

  let generation = 0;
  /** The first page (fresh), or the next one after what is shown. */
  const load = async (more: boolean) => {
    const mine = more ? generation : ++generation;
    setLoading(true);
    setError(undefined);
    try {
      const page = await rulesApi.deliveries(name(), more ? (nextToken() ?? undefined) : undefined);
      // A refresh started meanwhile owns the list now.
      if (mine !== generation) return;
      setDeliveries((shown) => (more ? [...(shown ?? []), ...page.deliveries] : page.deliveries));
      setNextToken(page.nextToken);
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };
  void load(false);
  // A test event or a new match is sent within seconds: look again while one is pending, as long
  // as only the first page is shown (a refresh would drop the pages loaded after it).
  createEffect(() => {
    const shown = deliveries();
    if (!shown || shown.length > DELIVERIES_PAGE || !shown.some((d) => d.status === "pending")) return;
    const timer = setTimeout(() => void load(false), POLL_MS);
    onCleanup(() => clearTimeout(timer));
  });
  const refresh = () => {
    void refetchRule();
    void load(false);
  };
  const sendTest = async () => {
    setTesting(true);
    setNotice(undefined);
    try {
      await rulesApi.sendTest(name());
      setNotice("A test event is on its way: it shows below as it is delivered.");
      await load(false);
    } catch (e) {
      setNotice(undefined);
      setError(e);
    } finally {
      setTesting(false);
    }
  };
  const r = () => (rule.error ? undefined : rule.latest?.rule);
  /** No such rule (deleted, or a mistyped link): that one message, not a second one from its log. */
  const missing = () => rule.error instanceof ApiError && rule.error.status === 404;

  return (
    <div class="page">
      <p class="crumbs">
        <A href="/rules">← Rules</A>
      </p>
      <div class="view-head">
        <div>
          <h1>
            Deliveries of <span class="mono">{name()}</span>
          </h1>
          <Show when={r()}>
            {(rule) => (
              <p class="subtitle" data-testid="rule-summary">
                <span class={`status ${RULE_STATE_CLASS[ruleState(rule())]}`}>{RULE_STATE_LABEL[ruleState(rule())]}</span> · {describeRuleFilter(rule().filter)}{" "}
                → <span class="mono">{rule().url}</span> · times in {zoneLabel()}
              </p>
            )}
          </Show>
        </div>
        <div class="actions">
          <button type="button" class="btn btn-ghost btn-small" onClick={refresh} disabled={loading()}>
            ↻ Refresh
          </button>
          <button type="button" class="btn btn-small" onClick={() => void sendTest()} disabled={testing() || !!rule.error}>
            {testing() ? "Sending…" : "Send a test event"}
          </button>
        </div>
      </div>
      <Show when={r()?.disabledReason && !r()?.enabled}>
        <p class="alert alert-error" role="status">
          Disabled: {r()?.disabledReason}
        </p>
      </Show>
      <Show when={r()?.paused}>
        <p class="alert alert-info" role="status">
          Delivery is paused{r()?.pausedSince ? ` since ${formatTime(r()?.pausedSince)}` : ""}: the subscription is inactive. Events of the gap are not sent
          later.
        </p>
      </Show>
      <Show when={!r()?.paused && r()?.lastPause}>
        {(gap) => (
          <p class="alert alert-info" role="status">
            Events of {formatTime(gap().from)} – {formatTime(gap().to)} were not sent: the subscription was inactive. They are not in this log.
          </p>
        )}
      </Show>
      <Show when={notice()}>
        <p class="alert alert-info" role="status" data-testid="delivery-notice">
          {notice()}
        </p>
      </Show>
      <Show when={rule.error}>
        <ErrorBox error={rule.error} retry={refetchRule} />
      </Show>
      <Switch>
        <Match when={missing()}>
          <p>
            <A href="/rules">See the rules of this account</A>
          </p>
        </Match>
        <Match when={error() && !deliveries()}>
          <ErrorBox error={error()} retry={() => void load(false)} />
        </Match>
        <Match when={!deliveries()}>
          <Loading label="Loading deliveries…" />
        </Match>
        <Match when={deliveries()?.length === 0}>
          <Empty title="Nothing delivered yet">
            <p>Each matching event shows here as it is sent. Send a test event to check your receiver.</p>
          </Empty>
        </Match>
        <Match when={(deliveries()?.length ?? 0) > 0}>
          <div class="table-wrap">
            <table class="grid" aria-label="Deliveries">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Response</th>
                  <th scope="col">Error</th>
                  <th scope="col">Next attempt</th>
                </tr>
              </thead>
              <tbody>
                <For each={deliveries()}>
                  {(d) => (
                    <tr data-delivery={d.id} data-status={d.status}>
                      <td class="nowrap" data-label="Time">
                        {formatTime(d.lastAttemptAt ?? d.createdAt)}
                        <div class="muted small">queued {formatTime(d.createdAt)}</div>
                      </td>
                      <td data-label="Event">
                        <Show when={!d.test} fallback={<span data-testid="delivery-event">{d.eventName}</span>}>
                          <A href={eventHref(d.eventId)} data-testid="delivery-event">
                            {d.eventName}
                          </A>
                        </Show>
                        <Show when={d.test}>
                          <span class="badge badge-muted">test</span>
                        </Show>
                        <div class="muted small">event time {formatTime(d.eventTime)}</div>
                      </td>
                      <td data-label="Status">
                        <span class={`status ${deliveryStatusClass(d.status)}`} data-testid="delivery-status">
                          {deliveryStatusLabel(d.status)}
                        </span>
                      </td>
                      <td class="num" data-label="Attempts" data-testid="delivery-attempts">
                        {d.attempts}
                      </td>
                      <td class="num" data-label="Response" data-testid="delivery-response">
                        {d.responseCode ?? "—"}
                      </td>
                      <td class="error-cell" data-label="Error">
                        <Show when={d.error} fallback={<span class="muted">—</span>}>
                          <span class="error-text">{d.error}</span>
                        </Show>
                      </td>
                      <td class="nowrap" data-label="Next attempt">
                        {d.nextAttemptAt ? formatTime(d.nextAttemptAt) : "—"}
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
          <Show when={error()}>
            <ErrorBox error={error()} retry={() => void load(true)} />
          </Show>
          <div class="table-foot">
            <Show when={nextToken()} fallback={<span class="muted small">{deliveries()!.length} shown · no more</span>}>
              <button type="button" class="btn btn-small" disabled={loading()} onClick={() => void load(true)}>
                {loading() ? "Loading…" : "Load more"}
              </button>
            </Show>
          </div>
        </Match>
      </Switch>
    </div>
  );
}
