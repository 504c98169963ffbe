import type { RuleFilter } from "@activity-log/core";
import { and, asc, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { accounts } from "./schema/iam.ts";
import { ruleDeliveries, rules } from "./schema/rules.ts";

/** Event rules and their delivery log (console and operator side). Every query carries the account id. */

export type RuleRow = typeof rules.$inferSelect;
export type RuleDeliveryRow = typeof ruleDeliveries.$inferSelect;

export class RuleQuotaExceeded extends Error {}
export class RuleNameTaken extends Error {}

/**
 * A new or re-enabled rule's first cursor: the snapshot's xmax (one past the newest finished
 * transaction). The rule matches the events of transactions with an id at or above it — those
 * starting from now on, the one saving the rule included — and nothing from before. Any value is
 * safe for exactly-once (worker/rules.ts); this one only says where the rule starts.
 */
const NEXT_XID = sql<string>`pg_snapshot_xmax(pg_current_snapshot())::text`;

export interface NewRule {
  accountId: string;
  name: string;
  filter: RuleFilter;
  url: string;
  secretSealed: string;
  secretHint: string;
  enabled: boolean;
  now: Date;
}

/** Inserts a rule unless the account has `maxRules` already (the account row is locked, as for trails). */
export async function insertRule(db: Db, rule: NewRule, maxRules: number): Promise<RuleRow> {
  return db.transaction(async (tx) => {
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, rule.accountId)).for("update");
    const existing = await tx.select({ name: rules.name }).from(rules).where(eq(rules.accountId, rule.accountId));
    if (existing.some((r) => r.name === rule.name)) throw new RuleNameTaken(rule.name);
    if (existing.length >= maxRules) throw new RuleQuotaExceeded(String(maxRules));
    const { now, ...values } = rule;
    const [row] = await tx
      .insert(rules)
      .values({ ...values, matchCursor: NEXT_XID, createdAt: now, updatedAt: now })
      .returning();
    return row!;
  });
}

export async function findRule(db: Db, accountId: string, name: string): Promise<RuleRow | null> {
  const [row] = await db
    .select()
    .from(rules)
    .where(and(eq(rules.accountId, accountId), eq(rules.name, name)))
    .limit(1);
  return row ?? null;
}

export async function listRules(db: Db, accountId: string): Promise<RuleRow[]> {
  return db.select().from(rules).where(eq(rules.accountId, accountId)).orderBy(asc(rules.name));
}

export type RulePatch = { filter?: RuleFilter; url?: string; enabled?: boolean; secretSealed?: string; secretHint?: string };

/**
 * Changes a rule. Enabling a disabled rule clears its reason and its failure streak, and moves its
 * cursor to now: events while it was off are not delivered afterwards.
 */
export async function updateRule(db: Db, accountId: string, name: string, patch: RulePatch, now: Date): Promise<RuleRow | null> {
  const current = await findRule(db, accountId, name);
  if (!current) return null;
  const enabling = patch.enabled === true && !current.enabled;
  const set: Partial<typeof rules.$inferInsert> = { ...patch, updatedAt: now };
  if (enabling) Object.assign(set, { disabledReason: null, failingSince: null, matchCursor: NEXT_XID });
  const [row] = await db
    .update(rules)
    .set(set)
    .where(and(eq(rules.accountId, accountId), eq(rules.id, current.id)))
    .returning();
  return row ?? null;
}

export async function deleteRule(db: Db, accountId: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(rules)
    .where(and(eq(rules.accountId, accountId), eq(rules.name, name)))
    .returning({ id: rules.id });
  return deleted.length > 0;
}

/** A delivery of a synthetic event, due now (POST /rules/:name/test). */
export async function insertTestDelivery(
  db: Db,
  d: { accountId: string; ruleId: string; eventId: string; eventName: string; eventTime: Date; body: string; now: Date },
): Promise<RuleDeliveryRow> {
  const [row] = await db
    .insert(ruleDeliveries)
    .values({ ...d, test: true, status: "pending", createdAt: d.now, nextAttemptAt: d.now })
    .returning();
  return row!;
}

/** One page of a rule's delivery log, newest first, strictly after `after` (keyset on created_at, id). */
export async function listRuleDeliveries(
  db: Db,
  accountId: string,
  ruleId: string,
  limit: number,
  after?: { createdAt: Date; id: string },
): Promise<RuleDeliveryRow[]> {
  const scope = and(eq(ruleDeliveries.accountId, accountId), eq(ruleDeliveries.ruleId, ruleId));
  const keyset = after
    ? or(lt(ruleDeliveries.createdAt, after.createdAt), and(eq(ruleDeliveries.createdAt, after.createdAt), lt(ruleDeliveries.id, after.id)))
    : undefined;
  return db
    .select()
    .from(ruleDeliveries)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(desc(ruleDeliveries.createdAt), desc(ruleDeliveries.id))
    .limit(limit);
}
