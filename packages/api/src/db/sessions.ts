import { and, count, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "./client.ts";
import { sessions, signInFailures, users } from "./schema/iam.ts";

/**
 * Console sessions and failed sign-ins. The rules (lifetimes, throttling) are core's
 * console-session.ts; auth/session.ts applies them over these queries, and the worker closes
 * expired sessions with them.
 */

export type SessionRow = typeof sessions.$inferSelect;

/** Failed sign-ins of one account and user name since `since`. */
export async function countSignInFailures(db: Db, accountId: string, userName: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(signInFailures)
    .where(and(eq(signInFailures.accountId, accountId), eq(signInFailures.userName, userName), gt(signInFailures.at, since)));
  return Number(row?.n ?? 0);
}

export async function recordSignInFailure(db: Db, f: { accountId: string; userName: string; sourceIp: string | null; at: Date }): Promise<void> {
  await db.insert(signInFailures).values(f);
}

export async function clearSignInFailures(db: Db, accountId: string, userName: string): Promise<void> {
  await db.delete(signInFailures).where(and(eq(signInFailures.accountId, accountId), eq(signInFailures.userName, userName)));
}

export async function insertSession(db: Db, row: Omit<SessionRow, "closedAt">): Promise<void> {
  await db.insert(sessions).values(row);
}

/** The open session with this token hash that has not expired by `now`, or null. */
export async function findOpenSession(db: Db, tokenHash: string, now: Date): Promise<SessionRow | null> {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.closedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return row ?? null;
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
