import type { DeliveryOutcome, DeliveryStep } from "@activity-log/core";
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { nativeQuery, rowsOf } from "./rows.ts";

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
  const at = now.toISOString();
  // One statement: its row locks and the lease it writes commit together.
  const rows = await rowsOf<ClaimRow>(
    database.db,
    sql`with due as (
         select id from rule_deliveries
         where status in ('pending', 'retrying') and next_attempt_at <= ${at}::timestamptz
           and (lease_until is null or lease_until <= ${at}::timestamptz)
         order by next_attempt_at
         limit ${sql.raw(String(Math.max(1, Math.floor(limit))))}
         for update skip locked
       ), claimed as (
         update rule_deliveries d set attempts = d.attempts + 1, lease_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz
         from due where d.id = due.id
         returning d.id, d.account_id, d.rule_id, d.event_id, d.test, d.body, d.attempts, d.created_at
       )
       select c.*, r.name, r.url, r.secret_sealed, r.enabled, r.failing_since,
              coalesce((select s.active from subscriptions s where s.account_id = c.account_id), false) as active
       from claimed c join rules r on r.id = c.rule_id`,
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
  const error = outcome.ok ? null : outcome.error;
  const next = step.status === "retrying" ? step.nextAttemptAt.toISOString() : null;
  const disable = step.status === "failed" && !d.test ? step.disableRule : null;
  return database.db.transaction(async (tx) => {
    const updated = await rowsOf(
      tx,
      sql`update rule_deliveries set status = ${step.status}, response_code = ${outcome.responseCode}::int, error = ${error}::text,
         last_attempt_at = ${at}::timestamptz,
         delivered_at = case when ${step.status} = 'delivered' then ${at}::timestamptz else null end,
         next_attempt_at = ${next}::timestamptz, lease_until = null
       where id = ${d.id} and attempts = ${d.attempts}::int and status in ('pending', 'retrying')
       returning 1`,
    );
    if (updated.length === 0) return false;
    await rowsOf(
      tx,
      sql`update rules set last_delivery_at = ${at}::timestamptz, last_delivery_status = ${step.status}, last_delivery_code = ${outcome.responseCode}::int,
         last_error_at = case when ${error}::text is null then last_error_at else ${at}::timestamptz end,
         last_error_message = coalesce(${error}::text, last_error_message),
         failing_since = case when ${d.test}::boolean then failing_since when ${outcome.ok}::boolean then null
                              else coalesce(failing_since, ${at}::timestamptz) end,
         enabled = case when ${disable}::text is null then enabled else false end,
         disabled_reason = coalesce(${disable}::text, disabled_reason)
       where id = ${d.ruleId}`,
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
