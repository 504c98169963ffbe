import { deliveryRetryDelayMs, type DeliveryWindow, retentionFloor, WINDOW_MS } from "@activity-log/core";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { HORIZON_SQL, maxXid } from "./horizon.ts";
import { rowsOf } from "./rows.ts";
import { trailDeliveries, trails } from "./schema/trails.ts";
import type { TrailRow } from "./trails.ts";

/**
 * Bookkeeping of trail deliveries (trail_deliveries rows and the status fields of trails). The
 * worker is the only writer of these; the trails service only reads them for GetTrailStatus.
 */

export type DeliveryRow = typeof trailDeliveries.$inferSelect;

export async function loadTrail(database: Database, id: string): Promise<TrailRow | null> {
  const [row] = await database.db.select().from(trails).where(eq(trails.id, id)).limit(1);
  return row ?? null;
}

/** The oldest window fixed but not yet delivered: it must go out before any later one. */
export async function oldestPending(database: Database, trailId: string): Promise<DeliveryRow | null> {
  const [row] = await database.db
    .select()
    .from(trailDeliveries)
    .where(and(eq(trailDeliveries.trailId, trailId), eq(trailDeliveries.status, "pending")))
    .orderBy(asc(trailDeliveries.windowStart))
    .limit(1);
  return row ?? null;
}

/** Moves the cursor (after a stop/start gap: the stopped windows are not delivered). */
export async function moveCursor(database: Database, trailId: string, to: Date): Promise<void> {
  await database.db.update(trails).set({ nextWindowStart: to }).where(eq(trails.id, trailId));
}

export interface FixWindow {
  trailId: string;
  window: DeliveryWindow;
  retentionDays: number;
  objectKey: string;
  /**
   * When the trail last started logging: a window that holds or follows that instant considers only
   * events timed at or after it (a trail saves nothing from before it was started).
   */
  loggingSince?: Date | null;
  /** "pending" to deliver; "skipped" (with reason) to record the window as not delivered. */
  status: "pending" | "skipped";
  reason?: string;
}

/**
 * Fixes the content of a closed window, in one transaction: captures the horizon, chains it to the
 * previous window's, records the row BEFORE anything is uploaded, and advances the trail's cursor.
 * From then on the window's content is a pure function of this row (see trails.ts).
 */
export async function fixWindow(database: Database, f: FixWindow): Promise<DeliveryRow> {
  return database.db.transaction(async (tx) => {
    const [h] = await rowsOf<{ h: string }>(tx, sql.raw(HORIZON_SQL));
    const [prev] = await tx
      .select()
      .from(trailDeliveries)
      .where(and(eq(trailDeliveries.trailId, f.trailId), eq(trailDeliveries.windowStart, new Date(f.window.start.getTime() - WINDOW_MS))))
      .limit(1);
    const floor = retentionFloor(f.window.start, f.retentionDays);
    const chained = prev?.horizonTo ? prev : undefined;
    const prevFrom = chained?.eventsFrom ?? f.window.start;
    const chainFrom = chained ? Math.max(prevFrom.getTime(), floor.getTime()) : f.window.start.getTime();
    const since = f.loggingSince && f.loggingSince < f.window.end ? f.loggingSince.getTime() : Number.NEGATIVE_INFINITY;
    const values = {
      trailId: f.trailId,
      windowStart: f.window.start,
      status: f.status,
      reason: f.reason ?? null,
      objectKey: f.status === "pending" ? f.objectKey : null,
      horizonFrom: chained?.horizonTo ?? null,
      // Never behind the previous horizon, so consecutive ranges tile the xid line.
      horizonTo: chained?.horizonTo ? maxXid(h!.h, chained.horizonTo) : h!.h,
      // L only grows along the chain (the start time only moves forward), which keeps "exactly once".
      eventsFrom: new Date(Math.max(chainFrom, since)),
    };
    const inserted = await tx.insert(trailDeliveries).values(values).onConflictDoNothing().returning();
    await tx.update(trails).set({ nextWindowStart: f.window.end }).where(eq(trails.id, f.trailId));
    if (inserted[0]) return inserted[0];
    const [existing] = await tx
      .select()
      .from(trailDeliveries)
      .where(and(eq(trailDeliveries.trailId, f.trailId), eq(trailDeliveries.windowStart, f.window.start)));
    return existing!;
  });
}

/** A pending window that turned out empty for this trail (no object is written). */
export async function markEmpty(database: Database, d: DeliveryRow, now: Date): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx
      .update(trailDeliveries)
      .set({ status: "empty", eventCount: 0, objectKey: null, deliveredAt: now })
      .where(and(eq(trailDeliveries.trailId, d.trailId), eq(trailDeliveries.windowStart, d.windowStart), eq(trailDeliveries.status, "pending")));
    await tx
      .update(trails)
      .set({ latestDeliveryAttemptTime: now, latestDeliveryError: null, failureCount: 0, nextAttemptAt: null })
      .where(eq(trails.id, d.trailId));
  });
}

/** A pending window that is not going to be delivered after all (subscription became inactive). */
export async function markSkipped(database: Database, d: DeliveryRow, reason: string): Promise<void> {
  await database.db
    .update(trailDeliveries)
    .set({ status: "skipped", reason, objectKey: null })
    .where(and(eq(trailDeliveries.trailId, d.trailId), eq(trailDeliveries.windowStart, d.windowStart), eq(trailDeliveries.status, "pending")));
}

export async function markDelivered(
  database: Database,
  d: DeliveryRow,
  a: { eventCount: number; sha256: string; contentSha256: string; oldestEventTime: Date; newestEventTime: Date; bytes: number; now: Date },
): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx
      .update(trailDeliveries)
      .set({
        status: "delivered",
        eventCount: a.eventCount,
        sha256: a.sha256,
        contentSha256: a.contentSha256,
        oldestEventTime: a.oldestEventTime,
        newestEventTime: a.newestEventTime,
        bytes: a.bytes,
        deliveredAt: a.now,
      })
      .where(and(eq(trailDeliveries.trailId, d.trailId), eq(trailDeliveries.windowStart, d.windowStart), eq(trailDeliveries.status, "pending")));
    await tx
      .update(trails)
      .set({ latestDeliveryTime: a.now, latestDeliveryAttemptTime: a.now, latestDeliveryError: null, failureCount: 0, nextAttemptAt: null })
      .where(eq(trails.id, d.trailId));
  });
}

/** Records a failed attempt: the storage's own message, and when to try again (core deliveryRetryDelayMs). */
export async function recordFailure(database: Database, trail: TrailRow, message: string, now: Date): Promise<void> {
  await database.db.transaction(async (tx) => {
    // Counted in the row, not from `trail`: a success earlier in this same run may have reset it.
    const [counted] = await tx
      .update(trails)
      .set({ latestDeliveryError: message, latestDeliveryAttemptTime: now, failureCount: sql`${trails.failureCount} + 1` })
      .where(eq(trails.id, trail.id))
      .returning({ failures: trails.failureCount });
    if (!counted) return;
    const nextAttemptAt = new Date(now.getTime() + deliveryRetryDelayMs(counted.failures));
    await tx.update(trails).set({ nextAttemptAt }).where(eq(trails.id, trail.id));
  });
}

export async function listDeliveries(database: Database, trailId: string): Promise<DeliveryRow[]> {
  return database.db.select().from(trailDeliveries).where(eq(trailDeliveries.trailId, trailId)).orderBy(asc(trailDeliveries.windowStart));
}
