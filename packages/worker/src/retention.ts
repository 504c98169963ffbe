/**
 * Housekeeping: event partitions created a few days ahead and dropped past the largest retention
 * of any account (dropping a partition is the retention mechanism); expired reports deleted
 * (object, then row); console sessions past their expiry closed with an AwsConsoleAutoSignOut event;
 * closed days' partitions given the indexes the open day goes without.
 */
import { closedDaysBefore, GUESS_WINDOW_STALE_MS, largestRetentionDays, partitionDropCutoff, partitionSpan, SIGN_IN_EVENT_SOURCE } from "@activity-log/core";
import {
  buildClosedDayIndexes,
  closeSession,
  deleteRollupsBefore,
  deleteRuleDeliveriesBefore,
  dropPartitionsBefore,
  ensurePartitions,
  deleteStaleSignInGuesses,
  expiredOpenSessions,
  expireReports,
  purgeReport,
  reopenSession,
  retentionOverrides,
  withExclusive,
} from "@activity-log/api/db";
import { type AppDeps, recordEvent } from "@activity-log/api/runtime";

export interface RetentionSummary {
  droppedPartitions: string[];
  deletedReports: number;
  closedSessions: number;
}

export async function runRetention(deps: AppDeps, now: Date): Promise<RetentionSummary> {
  const span = partitionSpan(now);
  await ensurePartitions(deps.database, span.from, span.to);
  const droppedPartitions = await dropExpiredPartitions(deps, now);
  const deletedReports = await deleteExpiredReports(deps, now);
  const closedSessions = await closeExpiredSessions(deps, now);
  // Sign-in guess budgets nobody has touched for two longest windows could only start afresh.
  await deleteStaleSignInGuesses(deps.database.db, new Date(now.getTime() - GUESS_WINDOW_STALE_MS));
  return { droppedPartitions, deletedReports, closedSessions };
}

/**
 * Builds the indexes closed days carry and the open day does not (api db/partition-indexes.ts), one
 * worker at a time. A job of its own: a day's build takes tens of seconds at volume, and must not
 * delay retention's other work. Returns the indexes built (none if another worker holds the job).
 */
export async function indexClosedDays(deps: AppDeps, now: Date): Promise<string[]> {
  let built: string[] = [];
  await withExclusive(deps.database, "closed-day-indexes", async () => {
    built = await buildClosedDayIndexes(deps.database, closedDaysBefore(now));
  });
  return built;
}

/**
 * Drops whole days older than now − largest retention − one day of slack (the window is inclusive),
 * and the histogram rollups of exactly those days (so rollups and events keep agreeing).
 */
async function dropExpiredPartitions(deps: AppDeps, now: Date): Promise<string[]> {
  const cutoff = partitionDropCutoff(now, largestRetentionDays(await retentionOverrides(deps.database.db)));
  const dropped = await dropPartitionsBefore(deps.database, cutoff);
  await deleteRollupsBefore(deps.database, cutoff);
  // Rules' delivery logs are kept as long as the events they delivered.
  await deleteRuleDeliveriesBefore(deps.database, cutoff);
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
async function closeExpiredSessions(deps: AppDeps, now: Date): Promise<number> {
  const db = deps.database.db;
  const due = await expiredOpenSessions(db, now);
  let closed = 0;
  for (const s of due) {
    if (!(await closeSession(db, s.tokenHash, s.expiresAt))) continue;
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
      await reopenSession(db, s.tokenHash);
      throw error;
    }
  }
  return closed;
}
