/**
 * Housekeeping: event partitions created a few days ahead and dropped past the largest retention
 * of any account (dropping a partition is the retention mechanism); expired reports deleted
 * (object, then row); console sessions past their expiry closed with an AwsConsoleAutoSignOut event.
 */
import { and, eq, isNull, lt, max } from "drizzle-orm";
import { DEFAULT_QUOTAS } from "@activity-log/core/limits";
import type { AppDeps } from "@activity-log/api/deps";
import { deleteRollupsBefore } from "@activity-log/api/db/event-rollups";
import { dropPartitionsBefore, ensurePartitions } from "@activity-log/api/db/partitions";
import { expireReports, purgeReport } from "@activity-log/api/db/reports";
import { quotas, sessions, users } from "@activity-log/api/db/schema/iam";
import { recordEvent } from "@activity-log/api/record";

const DAY_MS = 86_400_000;
/** Partitions exist this many days ahead, so ingest never waits on DDL at midnight. */
export const PARTITION_DAYS_AHEAD = 3;
export const SIGN_IN_EVENT_SOURCE = "signin.amazonaws.com";

export interface RetentionSummary {
  droppedPartitions: string[];
  deletedReports: number;
  closedSessions: number;
}

export async function runRetention(deps: AppDeps, now: Date): Promise<RetentionSummary> {
  await ensurePartitions(deps.database, new Date(now.getTime() - DAY_MS), new Date(now.getTime() + PARTITION_DAYS_AHEAD * DAY_MS));
  const droppedPartitions = await dropExpiredPartitions(deps, now);
  const deletedReports = await deleteExpiredReports(deps, now);
  const closedSessions = await closeExpiredSessions(deps, now);
  return { droppedPartitions, deletedReports, closedSessions };
}

/** The largest retention any account has (the default unless an operator raised one). */
export async function largestRetentionDays(deps: AppDeps): Promise<number> {
  const [row] = await deps.database.db
    .select({ days: max(quotas.value) })
    .from(quotas)
    .where(eq(quotas.name, "retentionDays"));
  return Math.max(DEFAULT_QUOTAS.retentionDays, Number(row?.days ?? 0));
}

/**
 * Drops whole days older than now − largest retention − one day of slack (the window is inclusive),
 * and the histogram rollups of exactly those days (so rollups and events keep agreeing).
 */
export async function dropExpiredPartitions(deps: AppDeps, now: Date): Promise<string[]> {
  const days = await largestRetentionDays(deps);
  const cutoff = new Date(now.getTime() - (days + 1) * DAY_MS);
  const dropped = await dropPartitionsBefore(deps.database, cutoff);
  await deleteRollupsBefore(deps.database, cutoff);
  return dropped;
}

/** Expired and replaced reports: the object first, then the row (a retry finds the row again). */
export async function deleteExpiredReports(deps: AppDeps, now: Date): Promise<number> {
  const expired = await expireReports(deps.database, now);
  if (expired.length === 0) return 0;
  const store = deps.storage.service();
  let deleted = 0;
  for (const r of expired) {
    try {
      if (r.objectKey) await store.delete(deps.config.reportsBucket, r.objectKey);
    } catch (error) {
      // A bucket that was never created holds nothing to delete; anything else is retried next time.
      if ((error as { code?: string }).code !== "NoSuchBucket") {
        deps.logger.warn("could not delete an expired report", { report: r.id, error: (error as Error).message });
        continue;
      }
    }
    await purgeReport(deps.database, r.id);
    deleted++;
  }
  return deleted;
}

/**
 * Each expired open session is closed by exactly one worker (the conditional UPDATE is the claim),
 * then its AwsConsoleAutoSignOut event is recorded at the moment the session expired. Should
 * recording fail, the session is reopened so the next run tries again.
 */
export async function closeExpiredSessions(deps: AppDeps, now: Date): Promise<number> {
  const db = deps.database.db;
  const due = await db
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
    .limit(1000);
  let closed = 0;
  for (const s of due) {
    const claimed = await db
      .update(sessions)
      .set({ closedAt: s.expiresAt })
      .where(and(eq(sessions.tokenHash, s.tokenHash), isNull(sessions.closedAt)))
      .returning({ tokenHash: sessions.tokenHash });
    if (claimed.length === 0) continue;
    try {
      await recordEvent(deps, {
        accountId: s.accountId,
        eventName: "ConsoleLogout",
        eventType: "AwsConsoleAutoSignOut",
        eventSource: SIGN_IN_EVENT_SOURCE,
        eventTime: s.expiresAt,
        project: "default",
        userName: s.userName,
        sourceIp: s.sourceIp,
        userAgent: s.userAgent,
        readOnly: false,
        responseElements: { ConsoleLogout: "Success" },
        additionalEventData: { reason: "Session expired" },
      });
      closed++;
    } catch (error) {
      await db.update(sessions).set({ closedAt: null }).where(eq(sessions.tokenHash, s.tokenHash));
      throw error;
    }
  }
  return closed;
}
