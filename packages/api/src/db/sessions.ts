import type { GuessDecision, GuessWindow } from "@activity-log/core";
import { and, asc, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { Db } from "./client.ts";
import { sessions, signInThrottle, users } from "./schema/iam.ts";

/**
 * Console sessions and sign-in guess budgets. The rules are core's console-session.ts and
 * sign-in-throttle.ts; auth/session.ts applies them over these queries, and the worker closes
 * expired sessions with them.
 */

export type SessionRow = typeof sessions.$inferSelect;

/**
 * Reserves one guess from each budget, atomically and in one transaction: the rows are locked (in
 * key order, so concurrent attempts cannot deadlock) while core's rule decides, so parallel
 * attempts each see the guesses the others reserved. Nothing is reserved unless every budget
 * allows it; the answer is the first refusal, or null.
 */
export async function reserveSignInGuesses(
  db: Db,
  budgets: { key: string; decide: (stored: GuessWindow | null) => GuessDecision }[],
  now: Date,
): Promise<Extract<GuessDecision, { allowed: false }> | null> {
  const sorted = [...budgets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = sorted.map((b) => b.key);
  return db.transaction(async (tx) => {
    await tx
      .insert(signInThrottle)
      .values(keys.map((key) => ({ key, windowStart: now, guesses: 0, strikes: 0, updatedAt: now })))
      .onConflictDoNothing();
    const rows = await tx.select().from(signInThrottle).where(inArray(signInThrottle.key, keys)).orderBy(asc(signInThrottle.key)).for("update");
    const stored = new Map(rows.map((r) => [r.key, r.guesses > 0 ? { windowStart: r.windowStart, guesses: r.guesses, strikes: r.strikes } : null]));
    const decisions = sorted.map((b) => ({ key: b.key, decision: b.decide(stored.get(b.key) ?? null) }));
    const refused = decisions.find((d) => !d.decision.allowed);
    if (refused) return refused.decision as Extract<GuessDecision, { allowed: false }>;
    for (const { key, decision } of decisions)
      await tx
        .update(signInThrottle)
        .set({ ...decision.state, updatedAt: now })
        .where(eq(signInThrottle.key, key));
    return null;
  });
}

/** Gives a guess back to a budget (a successful sign-in's address). */
export async function refundSignInGuess(db: Db, key: string, refund: (stored: GuessWindow) => GuessWindow): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(signInThrottle).where(eq(signInThrottle.key, key)).for("update");
    if (row) await tx.update(signInThrottle).set(refund(row)).where(eq(signInThrottle.key, key));
  });
}

/** Forgets a budget (an account+user signed in from that address). */
export async function clearSignInGuesses(db: Db, key: string): Promise<void> {
  await db.delete(signInThrottle).where(eq(signInThrottle.key, key));
}

/** Deletes budgets untouched since `before` (they could only start afresh). */
export async function deleteStaleSignInGuesses(db: Db, before: Date): Promise<number> {
  const deleted = await db.delete(signInThrottle).where(lt(signInThrottle.updatedAt, before)).returning({ key: signInThrottle.key });
  return deleted.length;
}

export async function insertSession(db: Db, row: Omit<SessionRow, "closedAt">): Promise<void> {
  await db.insert(sessions).values(row);
}

/** The open session with this token hash that has not expired by `now` and whose user is not disabled, or null. */
export async function findOpenSession(db: Db, tokenHash: string, now: Date): Promise<SessionRow | null> {
  const [row] = await db
    .select({ session: sessions })
    .from(sessions)
    // Revocation: a disabled user's sessions stop at the next request.
    .innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.disabledAt)))
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.closedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return row?.session ?? null;
}

export async function touchSession(db: Db, tokenHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
  await db.update(sessions).set({ lastSeenAt, expiresAt }).where(eq(sessions.tokenHash, tokenHash));
}

/** Closes the session at `at` unless it is closed already; true when this call closed it (the claim of one closer). */
export async function closeSession(db: Db, tokenHash: string, at: Date): Promise<boolean> {
  const closed = await db
    .update(sessions)
    .set({ closedAt: at })
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.closedAt)))
    .returning({ tokenHash: sessions.tokenHash });
  return closed.length > 0;
}

/** Undoes an automatic sign-out whose event could not be recorded, so a later run tries again. */
export async function reopenSession(db: Db, tokenHash: string): Promise<void> {
  await db.update(sessions).set({ closedAt: null }).where(eq(sessions.tokenHash, tokenHash));
}

/** Open sessions past their expiry at `now` (at most `limit`), with what their sign-out event records. */
export async function expiredOpenSessions(db: Db, now: Date, limit = 1000) {
  return db
    .select({
      tokenHash: sessions.tokenHash,
      accountId: sessions.accountId,
      expiresAt: sessions.expiresAt,
      sourceIp: sessions.sourceIp,
      userAgent: sessions.userAgent,
      userName: users.name,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(isNull(sessions.closedAt), lt(sessions.expiresAt, now)))
    .limit(limit);
}
