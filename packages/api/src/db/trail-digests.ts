import { and, asc, desc, eq, gte, lt } from "drizzle-orm";
import type { Database } from "./client.ts";
import { trailDeliveries, trailDigests, trails } from "./schema/trails.ts";
import type { DeliveryRow } from "./trail-deliveries.ts";

/**
 * Hourly digests of a trail (trail_digests rows): the worker writes one per settled hour, and
 * validate-trail reads them back with the deliveries they list.
 */

export type DigestRow = typeof trailDigests.$inferSelect;

export async function listDigests(database: Database, trailId: string): Promise<DigestRow[]> {
  return database.db.select().from(trailDigests).where(eq(trailDigests.trailId, trailId)).orderBy(asc(trailDigests.hourStart));
}

/** The trail's newest digest: the previous link of the next one. */
export async function latestDigest(database: Database, trailId: string): Promise<DigestRow | null> {
  const [row] = await database.db.select().from(trailDigests).where(eq(trailDigests.trailId, trailId)).orderBy(desc(trailDigests.hourStart)).limit(1);
  return row ?? null;
}

/** The digests of hours starting in [from, to). */
export async function digestsBetween(database: Database, trailId: string, from: Date, to: Date): Promise<DigestRow[]> {
  return database.db
    .select()
    .from(trailDigests)
    .where(and(eq(trailDigests.trailId, trailId), gte(trailDigests.hourStart, from), lt(trailDigests.hourStart, to)));
}

/** The start of the trail's first recorded window at or after `from`, or null. */
export async function firstWindowFrom(database: Database, trailId: string, from: Date): Promise<Date | null> {
  const [row] = await database.db
    .select({ windowStart: trailDeliveries.windowStart })
    .from(trailDeliveries)
    .where(and(eq(trailDeliveries.trailId, trailId), gte(trailDeliveries.windowStart, from)))
    .orderBy(asc(trailDeliveries.windowStart))
    .limit(1);
  return row?.windowStart ?? null;
}

/** The trail's recorded windows starting in [from, to), oldest first. */
export async function deliveriesBetween(database: Database, trailId: string, from: Date, to: Date): Promise<DeliveryRow[]> {
  return database.db
    .select()
    .from(trailDeliveries)
    .where(and(eq(trailDeliveries.trailId, trailId), gte(trailDeliveries.windowStart, from), lt(trailDeliveries.windowStart, to)))
    .orderBy(asc(trailDeliveries.windowStart));
}

/** Records a written digest and the trail's latest digest time, together (a re-run finds the row and moves on). */
export async function recordDigest(database: Database, trailId: string, d: Omit<DigestRow, "trailId" | "createdAt">, now: Date): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx
      .insert(trailDigests)
      .values({ trailId, ...d })
      .onConflictDoNothing();
    await tx.update(trails).set({ latestDigestTime: now, latestDigestError: null }).where(eq(trails.id, trailId));
  });
}

/** GetTrailStatus's LatestDigestDeliveryError: why the last digest could not be written. */
export async function recordDigestFailure(database: Database, trailId: string, message: string): Promise<void> {
  await database.db.update(trails).set({ latestDigestError: message }).where(eq(trails.id, trailId));
}
