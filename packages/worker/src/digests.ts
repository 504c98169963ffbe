/**
 * Hourly digest files. Once every window of a UTC hour is settled for a trail (its cursor is past
 * the hour and none of the hour's windows is pending), the worker writes one JSON digest at
 * core `digestKey` listing the hour's archives (key, sha256, event count, window start) in window
 * order, chained to the trail's previous digest by key and by the sha256 of that file's bytes, and
 * signed: HMAC-SHA256 (`deps.secrets.sign`, a key derived from SECRET_KEY by HKDF) over
 * `canonicalDigest` (core/digest.ts). Verifying a signature therefore needs the service (SECRET_KEY):
 * `bun run admin -- validate-trail`.
 *
 * Hours in which the trail has no delivery rows at all (it was stopped) get no digest; the chain
 * continues across them. Exactly once: the content is a pure function of settled rows and the
 * previous digest's row, and contains no wall-clock time, so a worker that dies after the upload and
 * before the trail_digests row is recorded re-renders the same bytes and overwrites the same key.
 */
import { createHash } from "node:crypto";
import { and, asc, desc, eq, gte, lt } from "drizzle-orm";
import { canonicalDigest, isoSeconds, renderDigest, type DigestBody } from "@activity-log/core/digest";
import { DIGEST_PERIOD_MS, hourOf, trailArn } from "@activity-log/core/trail";
import type { AppDeps } from "@activity-log/api/deps";
import { trailDeliveries, trailDigests, trails } from "@activity-log/api/db/schema/trails";
import type { ObjectStore } from "@activity-log/api/storage/object-store";
import { trailDigestKey } from "@activity-log/api/trails/keys";
import type { TrailRow } from "./deliveries.ts";

export type DigestRow = typeof trailDigests.$inferSelect;

/** What the signature is computed with; validate-trail verifies with `deps.secrets.verify`. */
export function signDigest(deps: Pick<AppDeps, "secrets">, body: DigestBody): string {
  return deps.secrets.sign(canonicalDigest(body));
}

export async function listDigests(deps: Pick<AppDeps, "database">, trailId: string): Promise<DigestRow[]> {
  return deps.database.db.select().from(trailDigests).where(eq(trailDigests.trailId, trailId)).orderBy(asc(trailDigests.hourStart));
}

/**
 * Writes every digest that is due for the trail, oldest first; returns how many. Storage errors
 * propagate (the caller records them like a failed delivery and retries after the backoff).
 */
export async function writeDueDigests(
  deps: AppDeps,
  trailId: string,
  store: () => Promise<ObjectStore>,
  now: Date,
  afterUpload?: (digest: { key: string; hourStart: Date }) => void | Promise<void>,
): Promise<number> {
  const db = deps.database.db;
  let written = 0;
  for (;;) {
    const [trail] = await db.select().from(trails).where(eq(trails.id, trailId)).limit(1);
    if (!trail?.nextWindowStart) return written;
    const [last] = await db.select().from(trailDigests).where(eq(trailDigests.trailId, trailId)).orderBy(desc(trailDigests.hourStart)).limit(1);
    const after = last ? new Date(last.hourStart.getTime() + DIGEST_PERIOD_MS) : new Date(0);
    const [first] = await db
      .select({ windowStart: trailDeliveries.windowStart })
      .from(trailDeliveries)
      .where(and(eq(trailDeliveries.trailId, trailId), gte(trailDeliveries.windowStart, after)))
      .orderBy(asc(trailDeliveries.windowStart))
      .limit(1);
    if (!first) return written;
    const hour = hourOf(first.windowStart);
    if (trail.nextWindowStart < hour.end) return written; // windows of the hour are still to be fixed
    const rows = await db
      .select()
      .from(trailDeliveries)
      .where(and(eq(trailDeliveries.trailId, trailId), gte(trailDeliveries.windowStart, hour.start), lt(trailDeliveries.windowStart, hour.end)))
      .orderBy(asc(trailDeliveries.windowStart));
    if (rows.some((r) => r.status === "pending")) return written;

    const key = trailDigestKey(trail, hour.start);
    const body: DigestBody = {
      digestStartTime: isoSeconds(hour.start),
      digestEndTime: isoSeconds(hour.end),
      trailARN: trailArn(trail.region, trail.accountId, trail.name),
      bucket: trail.bucket,
      key,
      previousDigestKey: last?.objectKey ?? null,
      previousDigestSha256: last?.sha256 ?? null,
      archives: rows
        .filter((r) => r.status === "delivered")
        .map((r) => ({ key: r.objectKey!, sha256: r.sha256!, eventCount: r.eventCount, windowStart: isoSeconds(r.windowStart) })),
    };
    const bytes = Buffer.from(renderDigest(body, signDigest(deps, body)), "utf8");
    await (await store()).put(trail.bucket, key, bytes, { contentType: "application/json" });
    await afterUpload?.({ key, hourStart: hour.start });
    await recordDigest(
      deps,
      trail,
      { hourStart: hour.start, objectKey: key, sha256: createHash("sha256").update(bytes).digest("hex"), archiveCount: body.archives.length },
      now,
    );
    written++;
  }
}

async function recordDigest(deps: AppDeps, trail: TrailRow, d: Omit<DigestRow, "trailId" | "createdAt">, now: Date): Promise<void> {
  await deps.database.db.transaction(async (tx) => {
    await tx
      .insert(trailDigests)
      .values({ trailId: trail.id, ...d })
      .onConflictDoNothing();
    await tx.update(trails).set({ latestDigestTime: now }).where(eq(trails.id, trail.id));
  });
}
