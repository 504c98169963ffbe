import type { TrailTag } from "@activity-log/core";
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { accessKeys, accounts, users } from "./schema/iam.ts";
import { trailDeliveries, trails } from "./schema/trails.ts";

/** A trail as stored. Every query below carries the account id: that is the tenant boundary. */
export type TrailRow = typeof trails.$inferSelect;

export interface NewTrail {
  accountId: string;
  name: string;
  region: string;
  project: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  isMultiRegionTrail?: boolean;
  includeGlobalServiceEvents?: boolean;
  tags?: TrailTag[];
  /** EnableLogFileValidation; false when not given. */
  logFileValidation?: boolean;
}

export class TrailQuotaExceeded extends Error {}
export class TrailNameTaken extends Error {}

/**
 * Inserts a trail unless the account already has `maxTrails` of them. The account row is locked for
 * the transaction so two concurrent creates cannot both pass the count.
 */
export async function insertTrail(db: Db, trail: NewTrail, maxTrails: number): Promise<TrailRow> {
  return db.transaction(async (tx) => {
    await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, trail.accountId)).for("update");
    const existing = await tx.select({ name: trails.name }).from(trails).where(eq(trails.accountId, trail.accountId));
    if (existing.some((t) => t.name === trail.name)) throw new TrailNameTaken(trail.name);
    if (existing.length >= maxTrails) throw new TrailQuotaExceeded(String(maxTrails));
    const [row] = await tx.insert(trails).values(trail).returning();
    return row!;
  });
}

export async function findTrail(db: Db, accountId: string, name: string): Promise<TrailRow | null> {
  const [row] = await db
    .select()
    .from(trails)
    .where(and(eq(trails.accountId, accountId), eq(trails.name, name)))
    .limit(1);
  return row ?? null;
}

export async function listTrailRows(db: Db, accountId: string): Promise<TrailRow[]> {
  return db.select().from(trails).where(eq(trails.accountId, accountId)).orderBy(asc(trails.name));
}

export type TrailPatch = Partial<
  Pick<
    TrailRow,
    | "bucket"
    | "prefix"
    | "project"
    | "accessKeyId"
    | "readWriteType"
    | "includeManagementEvents"
    | "isMultiRegionTrail"
    | "includeGlobalServiceEvents"
    | "logFileValidation"
  >
>;

export async function updateTrailRow(db: Db, accountId: string, name: string, patch: TrailPatch, now: Date): Promise<TrailRow | null> {
  const [row] = await db
    .update(trails)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(trails.accountId, accountId), eq(trails.name, name)))
    .returning();
  return row ?? null;
}

/**
 * Rewrites a trail's tags from what they are now (`change` may throw to refuse): the row is locked
 * for the transaction, so concurrent AddTags cannot lose each other's tags or pass the limit together.
 */
export async function changeTrailTags(
  db: Db,
  accountId: string,
  name: string,
  change: (current: TrailTag[]) => TrailTag[],
  now: Date,
): Promise<TrailRow | null> {
  return db.transaction(async (tx) => {
    const where = and(eq(trails.accountId, accountId), eq(trails.name, name));
    const [current] = await tx.select({ tags: trails.tags }).from(trails).where(where).for("update");
    if (!current) return null;
    const [row] = await tx
      .update(trails)
      .set({ tags: change(current.tags), updatedAt: now })
      .where(where)
      .returning();
    return row ?? null;
  });
}

export async function deleteTrailRow(db: Db, accountId: string, name: string): Promise<boolean> {
  const rows = await db
    .delete(trails)
    .where(and(eq(trails.accountId, accountId), eq(trails.name, name)))
    .returning({ id: trails.id });
  return rows.length > 0;
}

/**
 * Starts or stops logging. Starting records the time and, the first time, points the delivery cursor
 * at the 5-minute window that contains `now` (`firstWindowStart`), so the trail saves events from the
 * moment it was started; restarting keeps the cursor and the worker accounts for the stopped windows.
 */
export async function setTrailLogging(db: Db, accountId: string, name: string, logging: boolean, now: Date, firstWindowStart: Date): Promise<TrailRow | null> {
  const where = and(eq(trails.accountId, accountId), eq(trails.name, name));
  const [current] = await db.select().from(trails).where(where).limit(1);
  if (!current) return null;
  if (current.isLogging === logging) return current; // idempotent, like AWS: times stay as they were
  const [row] = await db
    .update(trails)
    .set(
      logging
        ? {
            isLogging: true,
            startLoggingTime: now,
            updatedAt: now,
            nextWindowStart: sql`coalesce(${trails.nextWindowStart}, ${firstWindowStart.toISOString()}::timestamptz)`,
          }
        : { isLogging: false, stopLoggingTime: now, updatedAt: now },
    )
    .where(where)
    .returning();
  return row ?? null;
}

/** Logging trails whose next delivery attempt is due, for the worker (all accounts). */
export async function listDueTrails(db: Db, now: Date): Promise<TrailRow[]> {
  return db
    .select()
    .from(trails)
    .where(and(eq(trails.isLogging, true), or(isNull(trails.nextAttemptAt), lte(trails.nextAttemptAt, now))))
    .orderBy(asc(trails.accountId), asc(trails.name));
}

/** An Active access key of a user in a project (console-created trails write with it). */
export async function findActiveKeyOfUser(db: Db, accountId: string, userId: string, project: string): Promise<string | null> {
  const [row] = await db
    .select({ accessKeyId: accessKeys.accessKeyId })
    .from(accessKeys)
    .innerJoin(users, and(eq(users.id, accessKeys.userId), isNull(users.disabledAt)))
    .where(and(eq(accessKeys.accountId, accountId), eq(accessKeys.userId, userId), eq(accessKeys.project, project), eq(accessKeys.status, "Active")))
    .orderBy(asc(accessKeys.createdAt))
    .limit(1);
  return row?.accessKeyId ?? null;
}

/** The stored (encrypted) secret and status of a key, scoped to its account; a disabled user's key is Inactive. */
export async function findKeySecret(db: Db, accountId: string, accessKeyId: string): Promise<{ secretEncrypted: string; status: string } | null> {
  const [row] = await db
    .select({ secretEncrypted: accessKeys.secretEncrypted, status: accessKeys.status, userDisabledAt: users.disabledAt })
    .from(accessKeys)
    .innerJoin(users, eq(users.id, accessKeys.userId))
    .where(and(eq(accessKeys.accountId, accountId), eq(accessKeys.accessKeyId, accessKeyId)))
    .limit(1);
  return row ? { secretEncrypted: row.secretEncrypted, status: row.userDisabledAt === null ? row.status : "Inactive" } : null;
}

/** Windows a trail did not deliver because the subscription was inactive (SPEC: the status shows the gap). */
export interface SkippedWindows {
  windows: number;
  first: Date;
  last: Date;
}

export async function skippedWindowsOf(db: Db, trailIds: string[]): Promise<Map<string, SkippedWindows>> {
  if (trailIds.length === 0) return new Map();
  const rows = await db
    .select({
      trailId: trailDeliveries.trailId,
      windows: sql<number>`count(*)::int`,
      first: sql<Date>`min(${trailDeliveries.windowStart})`.mapWith(trailDeliveries.windowStart),
      last: sql<Date>`max(${trailDeliveries.windowStart})`.mapWith(trailDeliveries.windowStart),
    })
    .from(trailDeliveries)
    .where(and(inArray(trailDeliveries.trailId, trailIds), eq(trailDeliveries.status, "skipped")))
    .groupBy(trailDeliveries.trailId);
  return new Map(rows.map((r) => [r.trailId, { windows: Number(r.windows), first: r.first, last: r.last }]));
}
