import { and, asc, desc, eq, inArray, lt, ne, notInArray, or, sql } from "drizzle-orm";
import {
  type EventFilter,
  planNewReport,
  type Quotas,
  REPORT_HEARTBEAT_STALE_MS,
  reportExpiresAt,
  type ReportFormat,
  type ReportStatus,
} from "@activity-log/core";
import type { Database } from "./client.ts";
import { accounts } from "./schema/iam.ts";
import { reports } from "./schema/reports.ts";

/**
 * Report rows: the slot rules of SPEC.md applied under a per-account lock, and the claim/progress/
 * finish protocol the worker follows. Replaced and expired reports are marked `expired` here; the
 * worker's retention job deletes their objects and then the rows (purgeReport), so no request
 * path waits on object storage.
 */

export type ReportRow = typeof reports.$inferSelect;

export interface ReportRequest {
  accountId: string;
  /** The user name that asked (shown in the Reports view). */
  createdBy: string;
  format: ReportFormat;
  filter: EventFilter;
  /** The resolved time window (both ends inclusive), pinned now so the report is reproducible. */
  window: { start: Date; end: Date };
  quotas: Quotas;
  now: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The object key of a report's file: gzip-compressed CSV or JSON. */
export function reportObjectKey(accountId: string, id: string, format: ReportFormat): string {
  return `reports/${accountId}/${id}.${format}.gz`;
}

/**
 * Queues a report. The account row is locked FOR UPDATE for the transaction, so concurrent
 * requests of one account see each other's rows and the limits hold (core planNewReport throws
 * ReportLimitExceededException, 409, naming the limit). Replaced reports become `expired`.
 */
export async function requestReport(database: Database, r: ReportRequest): Promise<ReportRow> {
  return database.db.transaction(async (tx) => {
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, r.accountId)).for("update");
    const existing = await tx
      .select({ id: reports.id, status: reports.status, createdAt: reports.createdAt, finishedAt: reports.finishedAt })
      .from(reports)
      .where(and(eq(reports.accountId, r.accountId), ne(reports.status, "expired")));
    const plan = planNewReport(existing, r.quotas);
    if (plan.replace.length > 0) {
      await tx
        .update(reports)
        .set({ status: "expired", expiresAt: r.now })
        .where(and(eq(reports.accountId, r.accountId), inArray(reports.id, plan.replace)));
    }
    const [row] = await tx
      .insert(reports)
      .values({
        accountId: r.accountId,
        createdBy: r.createdBy,
        format: r.format,
        filter: r.filter,
        windowStart: r.window.start,
        windowEnd: r.window.end,
        status: "queued",
        createdAt: r.now,
        expiresAt: reportExpiresAt(r.now, r.quotas),
      })
      .returning();
    return row!;
  });
}

/** The account's reports, newest first (replaced and expired ones are gone from view). */
export async function listReports(database: Database, accountId: string): Promise<ReportRow[]> {
  return database.db
    .select()
    .from(reports)
    .where(and(eq(reports.accountId, accountId), ne(reports.status, "expired")))
    .orderBy(desc(reports.createdAt), desc(reports.id));
}

/** One report of the account, or null (also for ids that are not UUIDs, and expired reports). */
export async function getReport(database: Database, accountId: string, id: string): Promise<ReportRow | null> {
  if (!UUID.test(id)) return null;
  const [row] = await database.db
    .select()
    .from(reports)
    .where(and(eq(reports.accountId, accountId), eq(reports.id, id), ne(reports.status, "expired")))
    .limit(1);
  return row ?? null;
}

/**
 * Deletes a report row; returns the object key the caller should delete from the reports bucket
 * (null when no file was written yet), or undefined when there is no such report. A worker still
 * generating it notices at its next progress update and discards its upload.
 */
/**
 * Deletes a report for its owner. A finished report is marked expired (gone for the user at once)
 * rather than removed: its object is deleted by the retention sweep, after this call's transaction
 * and event have committed — an object deleted inline would be lost even if the event then failed.
 * A queued or generating report's row is removed (its worker removes its upload). False when the
 * account has no such report.
 */
export async function deleteReport(database: Database, accountId: string, id: string, now: Date): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const mine = and(eq(reports.accountId, accountId), eq(reports.id, id), ne(reports.status, "expired"));
  const expired = await database.db
    .update(reports)
    .set({ status: "expired", expiresAt: now })
    .where(and(mine, eq(reports.status, "ready")))
    .returning({ id: reports.id });
  if (expired.length > 0) return true;
  const removed = await database.db.delete(reports).where(mine).returning({ id: reports.id });
  return removed.length > 0;
}

/**
 * Claims the oldest queued report, or one whose worker stopped heartbeating, with FOR UPDATE SKIP
 * LOCKED: any number of workers may call this at once and each report goes to exactly one of them.
 * A report taken over keeps its checkpoint (and its rows done so far), so the new worker resumes it.
 */
export async function claimNextReport(database: Database, workerId: string, now: Date, staleMs = REPORT_HEARTBEAT_STALE_MS): Promise<ReportRow | null> {
  const stale = new Date(now.getTime() - staleMs);
  return database.db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ id: reports.id, accountId: reports.accountId, format: reports.format })
      .from(reports)
      .where(or(eq(reports.status, "queued"), and(eq(reports.status, "generating"), lt(reports.heartbeatAt, stale))))
      .orderBy(asc(reports.createdAt), asc(reports.id))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!candidate) return null;
    const [row] = await tx
      .update(reports)
      .set({
        status: "generating",
        claimedBy: workerId,
        heartbeatAt: now,
        startedAt: sql`case when ${reports.checkpoint} is null then ${now.toISOString()}::timestamptz else ${reports.startedAt} end`,
        rowsDone: sql`coalesce((${reports.checkpoint}->>'rowsDone')::bigint, 0)`,
        error: null,
        objectKey: reportObjectKey(candidate.accountId, candidate.id, candidate.format),
      })
      .where(eq(reports.id, candidate.id))
      .returning();
    return row ?? null;
  });
}

const claimedBy = (id: string, workerId: string) => and(eq(reports.id, id), eq(reports.status, "generating"), eq(reports.claimedBy, workerId));

/**
 * Records progress and renews the claim. False when the claim is lost (the report was deleted,
 * replaced, or taken over after a stall): the worker must stop and discard its output.
 */
export async function updateReportProgress(
  database: Database,
  id: string,
  workerId: string,
  p: { rowsDone: number; rowsEstimated?: number; now: Date },
): Promise<boolean> {
  const rows = await database.db
    .update(reports)
    .set({ rowsDone: p.rowsDone, heartbeatAt: p.now, ...(p.rowsEstimated === undefined ? {} : { rowsEstimated: p.rowsEstimated }) })
    .where(claimedBy(id, workerId))
    .returning({ id: reports.id });
  return rows.length > 0;
}

/**
 * Records how far the report's object is durably written (the worker's checkpoint, opaque here) and
 * renews the claim; false when the claim is lost.
 */
export async function saveReportCheckpoint(
  database: Database,
  id: string,
  workerId: string,
  c: { checkpoint: { rowsDone: number }; now: Date },
): Promise<boolean> {
  const rows = await database.db
    .update(reports)
    .set({ checkpoint: c.checkpoint, rowsDone: c.checkpoint.rowsDone, heartbeatAt: c.now })
    .where(claimedBy(id, workerId))
    .returning({ id: reports.id });
  return rows.length > 0;
}

/** Renews the claim without other change (the worker's heartbeat timer); false when the claim is lost. */
export async function renewReportClaim(database: Database, id: string, workerId: string, now: Date): Promise<boolean> {
  const rows = await database.db.update(reports).set({ heartbeatAt: now }).where(claimedBy(id, workerId)).returning({ id: reports.id });
  return rows.length > 0;
}

/** Whether another worker now builds the report (it took the claim over): its upload must then be left alone. */
export async function isReportClaimedByOther(database: Database, id: string, workerId: string): Promise<boolean> {
  const [row] = await database.db.select({ status: reports.status, claimedBy: reports.claimedBy }).from(reports).where(eq(reports.id, id)).limit(1);
  return row?.status === "generating" && row.claimedBy !== workerId;
}

/** Marks the report ready with its object; false when the claim was lost meanwhile. */
export async function finishReport(
  database: Database,
  id: string,
  workerId: string,
  f: { objectKey: string; bytes: number; contentBytes?: number; rowsDone: number; now: Date },
): Promise<boolean> {
  const rows = await database.db
    .update(reports)
    .set({
      status: "ready",
      objectKey: f.objectKey,
      bytes: f.bytes,
      contentBytes: f.contentBytes ?? null,
      rowsDone: f.rowsDone,
      rowsEstimated: f.rowsDone,
      finishedAt: f.now,
      heartbeatAt: f.now,
      checkpoint: null,
    })
    .where(claimedBy(id, workerId))
    .returning({ id: reports.id });
  return rows.length > 0;
}

/** Marks the report failed with a reason the Reports view shows. */
export async function failReport(database: Database, id: string, workerId: string, reason: string, now: Date): Promise<boolean> {
  const rows = await database.db
    .update(reports)
    .set({ status: "failed", error: reason, finishedAt: now, heartbeatAt: now, objectKey: null, checkpoint: null })
    .where(claimedBy(id, workerId))
    .returning({ id: reports.id });
  return rows.length > 0;
}

/**
 * Marks finished reports past their expiry `expired`, and returns every expired report (those and
 * the ones replaced earlier) with the object to delete before purgeReport removes the row.
 * Reports still queued or generating are left to finish first.
 */
export async function expireReports(database: Database, now: Date, limit = 500): Promise<{ id: string; accountId: string; objectKey: string | null }[]> {
  const active: ReportStatus[] = ["queued", "generating"];
  await database.db
    .update(reports)
    .set({ status: "expired" })
    .where(and(lt(reports.expiresAt, now), notInArray(reports.status, active), ne(reports.status, "expired")));
  // Also overdue active reports that nobody works on any more (stale heartbeat) are given up.
  await database.db
    .update(reports)
    .set({ status: "expired" })
    .where(
      and(
        lt(reports.expiresAt, now),
        inArray(reports.status, active),
        or(sql`${reports.heartbeatAt} is null`, lt(reports.heartbeatAt, new Date(now.getTime() - REPORT_HEARTBEAT_STALE_MS))),
      ),
    );
  return database.db
    .select({ id: reports.id, accountId: reports.accountId, objectKey: reports.objectKey })
    .from(reports)
    .where(eq(reports.status, "expired"))
    .orderBy(asc(reports.expiresAt))
    .limit(limit);
}

/** Removes an expired report's row once its object is gone. */
export async function purgeReport(database: Database, id: string): Promise<void> {
  await database.db.delete(reports).where(and(eq(reports.id, id), eq(reports.status, "expired")));
}
