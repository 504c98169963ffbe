/**
 * Event rules: match committed events to rules, then POST each match to its rule's webhook.
 *
 * ## Why each (rule, event) pair gets exactly one delivery
 *
 * Matching follows commit order the way trail windows do (trails.ts): every event row carries its
 * inserting transaction's id (`ingest_xid`), and a horizon H — an xid below which every transaction
 * of this database has finished — splits the events into a frozen set (ingest_xid < H, which never
 * changes again) and the rest. Each rule keeps a cursor C (itself a horizon) meaning "events with
 * ingest_xid < C have been matched". A run captures H, then in ONE transaction locks the rule's row,
 * inserts a delivery for every matching event with C ≤ ingest_xid < H and sets C = H. So:
 *  - an event committed late (a small xid committing after larger ones) is below no horizon until it
 *    has committed, and then lies in exactly one interval [C, H) of the rule's chain: matched once;
 *  - a worker that dies mid-run rolls back both its deliveries and the cursor: the next run repeats
 *    exactly that interval;
 *  - two workers never match the same rule at once (FOR NO KEY UPDATE SKIP LOCKED on the rule row; the
 *    second skips it), and the unique key (rule_id, event_id) makes a repeat impossible regardless.
 * A rule matches the transactions that start after it was created (or re-enabled), the one that
 * saved it included: its first cursor is the snapshot's xmax at that moment.
 *
 * ## Sending
 *
 * Due deliveries are claimed under a 30 s lease (claim = attempts + 1, FOR UPDATE SKIP LOCKED), so
 * two workers never send the same delivery at once; the result is recorded only by the claimant.
 * A worker killed after the POST and before recording leaves the lease to expire and the delivery is
 * sent again with the same `webhook-id` — at-least-once on the wire, exactly once per rule and event
 * for a receiver that keys on webhook-id, as Standard Webhooks asks receivers to.
 * Failures are retried on core's schedule for 24 h; a rule failing for 24 h is disabled with the
 * reason. Deliveries of a disabled rule, or of an account whose subscription is inactive, are not
 * sent (events while paused are skipped at matching, so nothing piles up for later).
 */
import { CONSOLE_EVENT_SOURCE, type DeliveryOutcome, nextDeliveryStep, webhookHeaders } from "@activity-log/core";
import {
  abandonDelivery,
  type ClaimedDelivery,
  claimDueDeliveries,
  inTransaction,
  matchRules,
  type RuleMatchSummary,
  recordAttempt,
} from "@activity-log/api/db";
import { type AppDeps, recordEvent } from "@activity-log/api/runtime";
import { type PostOptions, postWebhook } from "./webhook-post.ts";

export const DELIVERY_LEASE_MS = 30_000;
const RULE_DISABLED = "Not delivered: the rule is disabled.";
const SUBSCRIPTION_INACTIVE = "Not delivered: the Activity Log subscription of this account is inactive.";

export interface RulesRunSummary {
  matching: RuleMatchSummary;
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
  abandoned: number;
  disabledRules: number;
}

export interface RulesRunOptions {
  /** Deliveries sent per run at most (`--once` drains the queue). */
  maxDeliveries?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** DNS and timeouts for tests. */
  post?: Partial<Omit<PostOptions, "policy">>;
  /** Test hook: runs after the request and before its result is recorded (a crash here re-sends). */
  afterPost?: (delivery: ClaimedDelivery, outcome: DeliveryOutcome) => void | Promise<void>;
  /** false: match only. */
  send?: boolean;
}

/** Matches new events to rules, then sends what is due as of `now` (`--once`, tests). */
export async function runRules(deps: AppDeps, now: Date, options: RulesRunOptions = {}): Promise<RulesRunSummary> {
  const matching = await matchRules(deps.database, now, deps.config.region);
  return { matching, ...(options.send === false ? emptySendSummary() : await sendDueWebhooks(deps, now, options)) };
}

/** Matches the events committed since the last run to every enabled rule (the loop's matching job). */
export async function matchNewEvents(deps: AppDeps, now: Date): Promise<RuleMatchSummary> {
  return matchRules(deps.database, now, deps.config.region);
}

type SendSummary = Omit<RulesRunSummary, "matching">;

const emptySendSummary = (): SendSummary => ({ attempted: 0, delivered: 0, retrying: 0, failed: 0, abandoned: 0, disabledRules: 0 });

/**
 * Sends the deliveries due at `now`, up to `maxDeliveries`, on `concurrency` lanes. Each lane
 * claims one delivery at a time, so a slow receiver holds up one lane only, and every claimed
 * delivery is sent well within its lease (DNS and the request each take at most 5 s).
 */
export async function sendDueWebhooks(deps: AppDeps, now: Date, options: RulesRunOptions = {}): Promise<SendSummary> {
  const summary = emptySendSummary();
  const budget = options.maxDeliveries ?? Number.POSITIVE_INFINITY;
  let taken = 0;
  const lane = async () => {
    while (taken < budget) {
      taken++;
      const [d] = await claimDueDeliveries(deps.database, now, 1, DELIVERY_LEASE_MS);
      if (!d) return;
      await sendOne(deps, d, now, options, summary);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, lane));
  return summary;
}

async function sendOne(deps: AppDeps, d: ClaimedDelivery, now: Date, options: RulesRunOptions, summary: SendSummary): Promise<void> {
  if (!d.subscriptionActive || (!d.rule.enabled && !d.test)) {
    await abandonDelivery(deps.database, d, d.subscriptionActive ? RULE_DISABLED : SUBSCRIPTION_INACTIVE);
    summary.abandoned++;
    return;
  }
  const secret = deps.secrets.decrypt(d.rule.secretSealed);
  // The timestamp is the attempt's; the id (the event's) is the same on every attempt.
  const headers = await webhookHeaders(secret, d.eventId, now, d.body);
  summary.attempted++;
  const outcome = await postWebhook({ url: d.rule.url, headers, body: d.body }, { policy: { allowedHosts: deps.config.rulesAllowedHosts }, ...options.post });
  await options.afterPost?.(d, outcome);
  const step = nextDeliveryStep(
    { createdAt: d.createdAt, attempts: d.attempts },
    { failingSince: d.rule.failingSince ?? (outcome.ok ? null : now) },
    outcome,
    now,
  );
  const disables = step.status === "failed" && step.disableRule !== null && !d.test ? step.disableRule : null;
  const recorded = await inTransaction(deps.database, async () => {
    if (!(await recordAttempt(deps.database, d, outcome, step, now))) return false;
    // The service's own change to a rule is recorded like a user's, and commits with it.
    if (disables) await recordRuleDisabled(deps, d, disables, now);
    return true;
  });
  if (!recorded) return;
  summary[step.status === "delivered" ? "delivered" : step.status === "retrying" ? "retrying" : "failed"]++;
  if (disables) summary.disabledRules++;
}

/** UpdateRule by the service itself (user "system"): the rule was disabled after 24 h of failures. */
async function recordRuleDisabled(deps: AppDeps, d: ClaimedDelivery, reason: string, now: Date): Promise<void> {
  await recordEvent(deps, {
    accountId: d.accountId,
    eventName: "UpdateRule",
    eventType: "AwsServiceEvent",
    eventSource: CONSOLE_EVENT_SOURCE,
    eventTime: now,
    project: "default",
    userName: "system",
    readOnly: false,
    requestParameters: { name: d.rule.name, enabled: false },
    additionalEventData: { reason },
  });
}
