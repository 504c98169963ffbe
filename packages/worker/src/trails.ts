/**
 * Trail delivery: after each 5-minute window closes, every logging trail gets one tar.gz archive
 * of `{"Records":[…]}` in its bucket — exactly once.
 *
 * ## Why every event lands in exactly one archive
 *
 * Events carry `ingest_xid` (the inserting transaction's id, `pg_current_xact_id()`). Transaction
 * ids are handed out in start order, not commit order, so "rows with an id below X" is not stable
 * by itself — a transaction with a smaller id may still commit. The *horizon* of a snapshot,
 * `pg_snapshot_xmin(pg_current_snapshot())`, is: every transaction below it has finished, so the
 * set of rows with `ingest_xid < H` never changes again, whenever and by whomever it is read.
 *
 * Windows of a trail form a chain W1, W2, … (consecutive 5-minute windows; C_R = end of W_R).
 * When W_R is fixed (after it closed), the worker captures a horizon H_R (never below H_{R−1}) and
 * defines the set of events "covered" so far as
 *
 *     S_R = { e : e.ingest_xid < H_R  and  L_R ≤ e.event_time < C_R }
 *
 * where L_R is the chain's start (W1) raised to the retention floor as time passes, and to the
 * instant the trail was last started for windows that hold or follow it (L only grows: a trail saves
 * only events timed at or after it started logging, so its first archive holds nothing from before).
 * The archive of W_R holds S_R \ S_{R−1}, which (L_R ≥ L_{R−1}, C_{R−1} = start of W_R) is
 *
 *     { t ∈ [max(W_R, L_R), C_R) and xid < H_R }             — the window's own events, visible by now
 *   ∪ { t ∈ [L_R, W_R) and H_{R−1} ≤ xid < H_R }             — earlier-timed events that committed late
 *
 * For any event, membership in S_R is monotone in R (the xid and time conditions only become true,
 * the retention floor only becomes false, once), so it enters the covered set at most once: it is
 * in at most one archive, and in exactly one as long as it is timed inside the chain and within
 * retention when its transaction finishes. Late, out-of-order and long-open ingest transactions
 * simply land in the first window fixed after they commit.
 *
 * The round's parameters (H_{R−1}, H_R, L_R) and its deterministic object key are committed in a
 * `trail_deliveries` row with status `pending` BEFORE anything is uploaded (deliveries.ts fixWindow).
 * A worker that dies after the upload leaves that row pending; the next attempt re-reads exactly the
 * same rows (the sets are frozen by the horizons), renders the same JSON in the same order, and
 * overwrites the same key. Only then is the row marked delivered. Several workers: a trail is
 * processed under an exclusive lock (exclusive.ts), and windows are fixed and delivered in order.
 *
 * Chains restart (no earlier-timed late events carried over) when a trail is started again after
 * a stop: the stopped windows are not delivered. Windows that close while the account's
 * subscription is inactive are fixed like others (keeping the chain) but recorded `skipped`.
 * Events older than the retention floor when they commit are not delivered (they are not queryable).
 * A horizon is held back by any transaction open in the cluster; that delays events to a later
 * window, never loses them. `settleHorizon` waits briefly for transactions running at the start of
 * a run so that ordinary ingest racing a window's close is not needlessly pushed to the next one.
 */
import { type DeliveryWindow as Window, type ReadWriteType, selectorsAdmit, UNKNOWN_ACCESS_KEY_MESSAGE, WINDOW_MS, windowOf } from "@activity-log/core";
import {
  type DeliveryRow,
  findKeySecret,
  fixWindow,
  getQuotas,
  isSubscriptionActive,
  listDueTrails,
  loadTrail,
  markDelivered,
  recordDigestFailure,
  markEmpty,
  markSkipped,
  moveCursor,
  oldestPending,
  readWindowEvents,
  recordFailure,
  settleHorizon,
  type TrailRow,
  withExclusive,
} from "@activity-log/api/db";
import { type AppDeps, type S3Credentials, StorageError } from "@activity-log/api/runtime";
import { windowObjectKey } from "@activity-log/api/trail-keys";
import { buildTrailArchive } from "./archive.ts";
import { writeDueDigests } from "./digests.ts";

export const SUBSCRIPTION_INACTIVE = "subscription inactive";

export interface TrailDeliveryOptions {
  /** Windows per trail per call; `--once` passes no limit, the loop a few so others get a turn. */
  maxWindowsPerTrail?: number;
  /** See settleHorizon; 0 disables. */
  settleMs?: number;
  /** Test hook: runs after an archive is uploaded and before it is recorded (simulates a crash). */
  afterUpload?: (trail: TrailRow, delivery: DeliveryRow) => void | Promise<void>;
  /** Test hook: runs after a digest is uploaded and before it is recorded. */
  afterDigestUpload?: (trail: TrailRow, digest: { key: string; hourStart: Date }) => void | Promise<void>;
}

export interface TrailDeliverySummary {
  delivered: number;
  empty: number;
  skipped: number;
  failed: number;
}

/** Delivers every closed window of every logging trail whose retry time has come, as of `now`. */
export async function deliverTrails(deps: AppDeps, now: Date, options: TrailDeliveryOptions = {}): Promise<TrailDeliverySummary> {
  const summary: TrailDeliverySummary = { delivered: 0, empty: 0, skipped: 0, failed: 0 };
  const due = await listDueTrails(deps.database.db, now);
  if (due.length === 0) return summary;
  await settleHorizon(deps.database, options.settleMs ?? 1000);
  for (const t of due) {
    await withExclusive(deps.database, `activity-log:trail:${t.id}`, () => deliverTrail(deps, t.id, now, options, summary));
  }
  return summary;
}

async function deliverTrail(deps: AppDeps, trailId: string, now: Date, options: TrailDeliveryOptions, summary: TrailDeliverySummary): Promise<void> {
  const trail = await deliverWindows(deps, trailId, now, options, summary);
  // Like archives, digests are not written while the subscription is inactive; they catch up after.
  if (trail?.logFileValidation && (await isSubscriptionActive(deps.database.db, trail.accountId))) await deliverDigests(deps, trail, now, options, summary);
}

/** Hourly digests of the hours now settled (digests.ts); a storage failure backs off like a window. */
async function deliverDigests(deps: AppDeps, trail: TrailRow, now: Date, options: TrailDeliveryOptions, summary: TrailDeliverySummary): Promise<void> {
  try {
    await writeDueDigests(
      deps,
      trail.id,
      async () => deps.storage.withCredentials(await trailCredentials(deps, trail)),
      now,
      (d) => options.afterDigestUpload?.(trail, d),
    );
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    await recordDigestFailure(deps.database, trail.id, error.message);
    await recordFailure(deps.database, trail, error.message, now);
    summary.failed++;
  }
}

/** The trail's closed windows; returns the trail when its digests may be written (no failure). */
async function deliverWindows(
  deps: AppDeps,
  trailId: string,
  now: Date,
  options: TrailDeliveryOptions,
  summary: TrailDeliverySummary,
): Promise<TrailRow | null> {
  // Re-read under the lock: another worker may have just done this work.
  const trail = await loadTrail(deps.database, trailId);
  if (!trail?.isLogging) return null;
  if (trail.nextAttemptAt && trail.nextAttemptAt > now) return null;
  const db = deps.database.db;
  const [quotas, active] = await Promise.all([getQuotas(db, trail.accountId), isSubscriptionActive(db, trail.accountId)]);

  let cursor = trail.nextWindowStart ?? windowOf(trail.startLoggingTime ?? now).start;
  const sinceStart = windowOf(trail.startLoggingTime ?? cursor).start;
  if (cursor < sinceStart && !(await oldestPending(deps.database, trail.id))) {
    // Restarted after a stop: the windows while it was stopped are not delivered.
    cursor = sinceStart;
    await moveCursor(deps.database, trail.id, cursor);
  }

  const limit = options.maxWindowsPerTrail ?? Number.POSITIVE_INFINITY;
  for (let n = 0; n < limit; n++) {
    let pending = await oldestPending(deps.database, trail.id);
    if (pending && !active) {
      await markSkipped(deps.database, pending, SUBSCRIPTION_INACTIVE);
      summary.skipped++;
      continue;
    }
    if (!pending) {
      if (cursor.getTime() + WINDOW_MS > now.getTime()) return trail; // the next window has not closed yet
      const window: Window = { start: cursor, end: new Date(cursor.getTime() + WINDOW_MS) };
      const fixed = await fixWindow(deps.database, {
        trailId: trail.id,
        window,
        retentionDays: quotas.retentionDays,
        loggingSince: trail.startLoggingTime,
        objectKey: windowObjectKey(trail, window),
        status: active ? "pending" : "skipped",
        ...(active ? {} : { reason: SUBSCRIPTION_INACTIVE }),
      });
      cursor = window.end;
      if (fixed.status === "skipped") {
        summary.skipped++;
        continue;
      }
      if (fixed.status !== "pending") continue;
      pending = fixed;
    }
    if (!(await deliverWindow(deps, trail, pending, now, options, summary))) return null;
  }
  return trail;
}

/** Delivers one fixed window; false when it failed (the trail then waits for its backoff). */
async function deliverWindow(
  deps: AppDeps,
  trail: TrailRow,
  d: DeliveryRow,
  now: Date,
  options: TrailDeliveryOptions,
  summary: TrailDeliverySummary,
): Promise<boolean> {
  let archive: Awaited<ReturnType<typeof buildTrailArchive>>;
  let eventCount: number;
  let oldestEventTime: Date;
  let newestEventTime: Date;
  try {
    const events = await readWindowEvents(deps.database, {
      accountId: trail.accountId,
      windowStart: d.windowStart,
      windowEnd: new Date(d.windowStart.getTime() + WINDOW_MS),
      eventsFrom: d.eventsFrom ?? d.windowStart,
      horizonFrom: d.horizonFrom,
      horizonTo: d.horizonTo!,
    });
    const selectors = [{ ReadWriteType: trail.readWriteType as ReadWriteType, IncludeManagementEvents: trail.includeManagementEvents, DataResources: [] }];
    const admitted = events.filter((e) => selectorsAdmit(selectors, e.readOnly));
    if (admitted.length === 0) {
      await markEmpty(deps.database, d, now);
      summary.empty++;
      return true;
    }
    eventCount = admitted.length;
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const e of admitted) {
      const t = e.eventTime.getTime();
      if (t < oldest) oldest = t;
      if (t > newest) newest = t;
    }
    oldestEventTime = new Date(oldest);
    newestEventTime = new Date(newest);
    archive = await buildTrailArchive(d.objectKey!, admitted, trail.region, new Date(d.windowStart.getTime() + WINDOW_MS));
    const store = deps.storage.withCredentials(await trailCredentials(deps, trail));
    await store.put(trail.bucket, d.objectKey!, archive.bytes, { contentType: "application/gzip" });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof StorageError)) deps.logger.error("trail delivery failed", { trail: trail.id, window: d.windowStart.toISOString(), error: message });
    await recordFailure(deps.database, trail, message, now);
    summary.failed++;
    return false;
  }
  // A crash here (simulated by the hook in tests) leaves the row pending: the retry overwrites.
  await options.afterUpload?.(trail, d);
  await markDelivered(deps.database, d, {
    eventCount,
    sha256: archive.sha256,
    contentSha256: archive.contentSha256,
    oldestEventTime,
    newestEventTime,
    bytes: archive.bytes.length,
    now,
  });
  summary.delivered++;
  return true;
}

/** The trail's stored key pair (its secret decrypted with SECRET_KEY). */
async function trailCredentials(deps: AppDeps, trail: TrailRow): Promise<S3Credentials> {
  const key = await findKeySecret(deps.database.db, trail.accountId, trail.accessKeyId);
  if (!key) throw new StorageError("InvalidAccessKeyId", UNKNOWN_ACCESS_KEY_MESSAGE, 403);
  return { accessKeyId: trail.accessKeyId, secretAccessKey: deps.secrets.decrypt(key.secretEncrypted) };
}
