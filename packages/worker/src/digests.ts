/**
 * Hourly digest files in CloudTrail's format, so `aws cloudtrail validate-logs` checks a trail
 * unchanged. Once every window of a UTC hour is settled for a trail with log file validation (its
 * cursor is past the hour and none of the hour's windows is pending), the worker writes one gzip'ed
 * JSON digest at core `digestKey` listing the hour's archives (key, SHA-256 of the decompressed tar,
 * oldest/newest event time) — `logFiles: []` for an hour without archives — chained to the trail's
 * previous digest by bucket, key, the SHA-256 of its document and its signature, and signed
 * SHA256withRSA with the region's current key (api trails/signing-keys.ts). The signature goes in
 * the object's user metadata (`signature`, `signature-algorithm`), where the AWS CLI reads it.
 *
 * Hours in which the trail has no delivery rows at all (it was stopped) get no digest; the chain
 * continues across them. Exactly once: the document is a pure function of settled rows and the
 * previous digest's row, and contains no wall-clock time; PKCS#1 v1.5 signatures are deterministic
 * and gzip output is too (mtime 0), so a worker that dies after the upload and before the
 * trail_digests row is recorded writes the same bytes to the same key again.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  type CloudTrailDigest,
  DIGEST_HASH_ALGORITHM,
  DIGEST_PERIOD_MS,
  DIGEST_SIGNATURE_ALGORITHM,
  type DigestLogFile,
  digestStringToSign,
  hourOf,
  isoSeconds,
  renderDigest,
  WINDOW_MS,
} from "@activity-log/core";
import { type DeliveryRow, deliveriesBetween, firstWindowFrom, latestDigest, loadTrail, recordDigest, type TrailRow } from "@activity-log/api/db";
import { type AppDeps, type ObjectStore, StorageError } from "@activity-log/api/runtime";
import { digestSigner } from "@activity-log/api/signing-keys";
import { trailDigestKey } from "@activity-log/api/trail-keys";

const sha256Hex = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

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
    const signer = await digestSigner(deps, trail.region, now);
    const logFiles: DigestLogFile[] = [];
    for (const r of rows) if (r.status === "delivered") logFiles.push(await logFileOf(trail, r, store));
    // Rows of the first (HMAC) digest format carry no signature: the RSA chain starts afresh.
    const previous = last?.signature ? last : null;
    const times = logFiles.flatMap((f) => [f.oldestEventTime, f.newestEventTime]).sort();
    const doc: CloudTrailDigest = {
      awsAccountId: trail.accountId,
      digestStartTime: isoSeconds(hour.start),
      digestEndTime: isoSeconds(hour.end),
      digestS3Bucket: trail.bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: signer.fingerprint,
      digestSignatureAlgorithm: DIGEST_SIGNATURE_ALGORITHM,
      newestEventTime: times.at(-1) ?? null,
      oldestEventTime: times[0] ?? null,
      previousDigestS3Bucket: previous ? (previous.bucket ?? trail.bucket) : null,
      previousDigestS3Object: previous?.objectKey ?? null,
      previousDigestHashValue: previous?.sha256 ?? null,
      previousDigestHashAlgorithm: previous ? DIGEST_HASH_ALGORITHM : null,
      previousDigestSignature: previous?.signature ?? null,
      logFiles,
    };
    const document = renderDigest(doc);
    const sha256 = sha256Hex(document);
    const signature = signer.sign(digestStringToSign(doc, sha256));
    await (await store()).put(trail.bucket, key, new Uint8Array(gzipSync(document)), {
      contentType: "application/x-gzip",
      metadata: { signature, "signature-algorithm": DIGEST_SIGNATURE_ALGORITHM },
    });
    await afterUpload?.({ key, hourStart: hour.start });
    await recordDigest(
      deps.database,
      trail.id,
      { hourStart: hour.start, objectKey: key, sha256, signature, bucket: trail.bucket, archiveCount: logFiles.length },
      now,
    );
    written++;
  }
}

/**
 * An archive as a digest lists it. Archives delivered before digests carried the tar's hash (and
 * event times) are read back once to hash their content, with the window's bounds as times.
 */
async function logFileOf(trail: TrailRow, r: DeliveryRow, store: () => Promise<ObjectStore>): Promise<DigestLogFile> {
  let hashValue = r.contentSha256;
  if (hashValue === null) {
    const got = await (await store()).get(trail.bucket, r.objectKey!);
    if (!got) throw new StorageError("NoSuchKey", `Archive ${r.objectKey} is missing from bucket ${trail.bucket}, so no digest can list it.`, 404);
    hashValue = sha256Hex(gunzipSync(new Uint8Array(await new Response(got.body).arrayBuffer())));
  }
  return {
    s3Bucket: trail.bucket,
    s3Object: r.objectKey!,
    hashValue,
    hashAlgorithm: DIGEST_HASH_ALGORITHM,
    newestEventTime: isoSeconds(r.newestEventTime ?? new Date(r.windowStart.getTime() + WINDOW_MS - 1000)),
    oldestEventTime: isoSeconds(r.oldestEventTime ?? r.windowStart),
  };
}
