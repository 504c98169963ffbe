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
import { canonicalDigest, DIGEST_PERIOD_MS, type DigestBody, hourOf, isoSeconds, renderDigest, trailArn } from "@activity-log/core";
import { deliveriesBetween, firstWindowFrom, latestDigest, loadTrail, recordDigest } from "@activity-log/api/db";
import type { AppDeps, ObjectStore } from "@activity-log/api/runtime";
import { trailDigestKey } from "@activity-log/api/trail-keys";

/** What the signature is computed with; validate-trail verifies with `deps.secrets.verify`. */
function signDigest(deps: Pick<AppDeps, "secrets">, body: DigestBody): string {
  return deps.secrets.sign(canonicalDigest(body));
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
  let written = 0;
  for (;;) {
    const trail = await loadTrail(deps.database, trailId);
    if (!trail?.nextWindowStart) return written;
    const last = await latestDigest(deps.database, trailId);
    const first = await firstWindowFrom(deps.database, trailId, last ? new Date(last.hourStart.getTime() + DIGEST_PERIOD_MS) : new Date(0));
    if (!first) return written;
    const hour = hourOf(first);
    if (trail.nextWindowStart < hour.end) return written; // windows of the hour are still to be fixed
    const rows = await deliveriesBetween(deps.database, trailId, hour.start, hour.end);
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
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await recordDigest(deps.database, trail.id, { hourStart: hour.start, objectKey: key, sha256, archiveCount: body.archives.length }, now);
    written++;
  }
}
