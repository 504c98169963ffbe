import type { DeliveryOutcome, DeliveryStep } from "@activity-log/core";
import type { Database } from "./client.ts";
import { nativeQuery } from "./rows.ts";
import { inTransaction } from "./transaction.ts";

/**
 * The sender's side of rule deliveries: claim due ones under a lease, record each attempt. A claim
 * increments `attempts` and sets `lease_until` in one statement over rows picked FOR UPDATE SKIP
 * LOCKED, so two workers never claim the same delivery; the attempt's result is recorded only if
 * `attempts` is still the claimed value (a worker that outlived its lease records nothing).
 */

export interface ClaimedDelivery {
  id: string;
  accountId: string;
  ruleId: string;
  eventId: string;
  test: boolean;
  body: string;
  attempts: number;
  createdAt: Date;
  rule: { name: string; url: string; secretSealed: string; enabled: boolean; failingSince: Date | null };
  subscriptionActive: boolean;
}

interface ClaimRow {
  id: string;
  account_id: string;
  rule_id: string;
  event_id: string;
  test: boolean;
  body: string;
  attempts: number;
  created_at: string | Date;
  name: string;
  url: string;
  secret_sealed: string;
  enabled: boolean;
  failing_since: string | Date | null;
  active: boolean;
}

const date = (d: string | Date) => (d instanceof Date ? d : new Date(d));

/** Claims up to `limit` deliveries due at `now` for `leaseMs`, oldest due first. */
export async function claimDueDeliveries(database: Database, now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const rows = await inTransaction(database, () =>
    nativeQuery<ClaimRow>(
      database,
      `with due as (
         select id from rule_deliveries
         where status in ('pending', 'retrying') and next_attempt_at <= $1::timestamptz
           and (lease_until is null or lease_until <= $1::timestamptz)
         order by next_attempt_at
         limit ${Math.max(1, Math.floor(limit))}
         for update skip locked
       ), claimed as (
         update rule_deliveries d set attempts = d.attempts + 1, lease_until = $2::timestamptz
         from due where d.id = due.id
         returning d.id, d.account_id, d.rule_id, d.event_id, d.test, d.body, d.attempts, d.created_at
       )
       select c.*, r.name, r.url, r.secret_sealed, r.enabled, r.failing_since,
              coalesce((select s.active from subscriptions s where s.account_id = c.account_id), false) as active
       from claimed c join rules r on r.id = c.rule_id`,
      [now.toISOString(), new Date(now.getTime() + leaseMs).toISOString()],
    ),
  );
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    ruleId: r.rule_id,
    eventId: r.event_id,
    test: r.test,
    body: r.body,
    attempts: Number(r.attempts),
    createdAt: date(r.created_at),
    rule: {
      name: r.name,
      url: r.url,
      secretSealed: r.secret_sealed,
      enabled: r.enabled,
      failingSince: r.failing_since === null ? null : date(r.failing_since),
    },
    subscriptionActive: r.active,
  }));
}

/**
 * Records an attempt's result on the delivery and the rule (last delivery, last error, failure
 * streak, disabling after 24 h of failure). Test deliveries show in the log and as the last
 * delivery but never count towards disabling. False when the lease was lost meanwhile.
 */
export async function recordAttempt(database: Database, d: ClaimedDelivery, outcome: DeliveryOutcome, step: DeliveryStep, now: Date): Promise<boolean> {
  const at = now.toISOString();
  return inTransaction(database, async () => {
    const updated = await nativeQuery(
      database,
      `update rule_deliveries set status = $3, response_code = $4, error = $5, last_attempt_at = $6::timestamptz,
         delivered_at = case when $3 = 'delivered' then $6::timestamptz else null end,
         next_attempt_at = $7::timestamptz, lease_until = null
       where id = $1 and attempts = $2 and status in ('pending', 'retrying')
       returning 1`,
      [
        d.id,
        d.attempts,
        step.status,
        outcome.responseCode,
        outcome.ok ? null : outcome.error,
        at,
        step.status === "retrying" ? step.nextAttemptAt.toISOString() : null,
      ],
    );
    if (updated.length === 0) return false;
    const disable = step.status === "failed" && !d.test ? step.disableRule : null;
    await nativeQuery(
      database,
      `update rules set last_delivery_at = $2::timestamptz, last_delivery_status = $3, last_delivery_code = $4,
         last_error_at = case when $5::text is null then last_error_at else $2::timestamptz end,
         last_error_message = coalesce($5::text, last_error_message),
         failing_since = case when $6 then failing_since when $7 then null else coalesce(failing_since, $2::timestamptz) end,
         enabled = case when $8::text is null then enabled else false end,
         disabled_reason = coalesce($8::text, disabled_reason)
       where id = $1`,
      [d.ruleId, at, step.status, outcome.responseCode, outcome.ok ? null : outcome.error, d.test, outcome.ok, disable],
    );
    return true;
  });
}

/** Ends a claimed delivery without sending it (its rule was disabled, or the subscription is inactive). */
export async function abandonDelivery(database: Database, d: ClaimedDelivery, reason: string): Promise<void> {
  await nativeQuery(
    database,
    `update rule_deliveries set status = 'failed', error = $3, attempts = attempts - 1, next_attempt_at = null, lease_until = null
     where id = $1 and attempts = $2 and status in ('pending', 'retrying')`,
    [d.id, d.attempts, reason],
  );
}

/** Deletes finished deliveries created before `before` (the log is kept as long as events are). */
export async function deleteRuleDeliveriesBefore(database: Database, before: Date): Promise<number> {
  const rows = await nativeQuery(database, `delete from rule_deliveries where created_at < $1::timestamptz and status in ('delivered', 'failed') returning 1`, [
    before.toISOString(),
  ]);
  return rows.length;
}
