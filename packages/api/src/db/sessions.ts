import { DomainError, type GuessDecision, type GuessWindow } from "@activity-log/core";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import type { Database, Db } from "./client.ts";
import { nativeQuery } from "./rows.ts";
import { sessions, signInThrottle, users } from "./schema/iam.ts";

/**
 * Console sessions and sign-in guess budgets. The rules are core's console-session.ts and
 * sign-in-throttle.ts; auth/session.ts applies them over these queries, and the worker closes
 * expired sessions with them.
 */

export type SessionRow = typeof sessions.$inferSelect;

/**
 * Reserves one guess from each budget, atomically, in two statements and no held transaction (a
 * flood of attempts must not queue real sign-ins behind round trips): (1) create missing rows and
 * read them; core's rule decides; (2) one UPDATE locks the rows (in key order, so concurrent
 * attempts cannot deadlock) and writes the new windows only if every row is still as read —
 * otherwise nothing is written and the attempt reads again. So parallel attempts each count the
 * guesses the others reserved, and nothing is reserved unless every budget allows it. A refusal
 * writes nothing. The answer is the first refusal, or null.
 */
export async function reserveSignInGuesses(
  database: Database,
  budgets: { key: string; decide: (stored: GuessWindow | null) => GuessDecision }[],
  now: Date,
): Promise<Extract<GuessDecision, { allowed: false }> | null> {
  const sorted = [...budgets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = JSON.stringify(sorted.map((b) => b.key));
  for (let attempt = 0; attempt < MAX_RESERVE_ATTEMPTS; attempt++) {
    const rows = await nativeQuery<ThrottleRow>(
      database,
      `with ins as (
         insert into sign_in_throttle (key, window_start, guesses, strikes, updated_at)
         select value, $2::timestamptz, 0, 0, $2::timestamptz from json_array_elements_text($1::json)
         on conflict (key) do nothing
         returning key, window_start, guesses, strikes
       )
       select key, window_start, guesses, strikes from ins
       union all
       select key, window_start, guesses, strikes from sign_in_throttle where key in (select value from json_array_elements_text($1::json))`,
      [keys, now.toISOString()],
    );
    const stored = new Map(rows.map((r) => [r.key, r]));
    // A row another attempt inserted after this statement's snapshot: read again.
    if (sorted.some((b) => !stored.has(b.key))) continue;
    const decisions = sorted.map((b) => {
      const row = stored.get(b.key)!;
      const window = Number(row.guesses) > 0 ? { windowStart: new Date(row.window_start), guesses: Number(row.guesses), strikes: Number(row.strikes) } : null;
      return { key: b.key, row, decision: b.decide(window) };
    });
    const refused = decisions.find((d) => !d.decision.allowed);
    if (refused) return refused.decision as Extract<GuessDecision, { allowed: false }>;
    const want = decisions.map(({ key, row, decision }) => ({
      key,
      old_start: new Date(row.window_start).toISOString(),
      old_guesses: Number(row.guesses),
      old_strikes: Number(row.strikes),
      window_start: decision.state.windowStart.toISOString(),
      guesses: decision.state.guesses,
      strikes: decision.state.strikes,
    }));
    const updated = await nativeQuery(
      database,
      `with want as (
         select * from json_to_recordset($1::json) as w(key text, old_start timestamptz, old_guesses int, old_strikes int,
                                                        window_start timestamptz, guesses int, strikes int)
       ),
       locked as (
         select t.key, t.window_start = w.old_start and t.guesses = w.old_guesses and t.strikes = w.old_strikes as unchanged
         from sign_in_throttle t join want w on w.key = t.key
         order by t.key
         for update of t
       )
       update sign_in_throttle t
       set window_start = w.window_start, guesses = w.guesses, strikes = w.strikes, updated_at = $2::timestamptz
       from want w
       where t.key = w.key and (select count(*) filter (where unchanged) from locked) = $3
       returning t.key`,
      [JSON.stringify(want), now.toISOString(), want.length],
    );
    if (updated.length === want.length) return null;
  }
  throw new DomainError("ThrottlingException", "Too many sign-ins are being checked right now. Try again in a moment.", { retryAfterSeconds: 1 });
}

/** Reads and retries before a reservation gives up (only under heavy contention on one budget). */
const MAX_RESERVE_ATTEMPTS = 50;

type ThrottleRow = { key: string; window_start: string | Date; guesses: number | string; strikes: number | string };

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
