/**
 * `validate-trail`: proves a trail's archives for a time range are complete and unaltered — the
 * equivalent of `aws cloudtrail validate-logs`. Reads the bucket with the trail's own stored key
 * pair (as deliveries write it), then applies the pure checks of core/digest.ts:
 *
 *  - every hour of the range in which the trail recorded windows has its digest, well-formed (in
 *    CloudTrail's format), for this trail, account and hour, with a valid SHA256withRSA signature
 *    (S3 metadata `signature`) checked with the region's public key named by the digest's
 *    fingerprint — the keys ListPublicKeys gives anyone — over the string the AWS CLI checks,
 *    chained by key, document SHA-256 and signature to the trail's previous digest;
 *  - every archive a digest lists exists and its decompressed bytes hash to the listed SHA-256;
 *  - every 5-minute window of the range is accounted for: delivered (and listed by a digest), or
 *    recorded empty/skipped in trail_deliveries; windows with no record (the trail was stopped) are
 *    listed as `notLogging`, apart from the problems;
 *  - no archive of the range sits under the trail's prefix that no digest lists (other trails'
 *    archives at the same bucket and prefix are recognised by their deterministic keys and ignored).
 */
import { createHash } from "node:crypto";
import { createGunzip, gunzipSync } from "node:zlib";
import {
  archiveFolder,
  archiveWindowStart,
  checkChain,
  checkCoverage,
  DAY_MS,
  DIGEST_PERIOD_MS,
  DIGEST_SIGNATURE_ALGORITHM,
  digestStringToSign,
  DomainError,
  hourStartsIn,
  type KnownDigest,
  isoSeconds,
  notLoggingWindows,
  parseDigest,
  type ReadDigest,
  trailArn,
  utcDayStart,
  type ValidationProblem,
  windowOf,
  type WindowRecord,
  windowStartsIn,
} from "@activity-log/core";
import type { DeliveryRow } from "../db/trail-deliveries.ts";
import { deliveriesBetween, type DigestRow, digestsBetween, latestDigest } from "../db/trail-digests.ts";
import { signingKeyByFingerprint } from "../db/signing-keys.ts";
import { findTrail, listTrailRows, type TrailRow } from "../db/trails.ts";
import type { AppDeps } from "../deps.ts";
import { StorageError, type ObjectStore } from "../storage/object-store.ts";
import { trailDigestKey, windowObjectKey } from "./keys.ts";
import { verifyDigestSignature } from "./signing-keys.ts";
import { trailCredentials } from "./service.ts";

export interface TrailValidation {
  valid: boolean;
  /** The range checked: [from, to), aligned to 5-minute windows. */
  from: string;
  to: string;
  /** Digests read whose signature verified (SHA256withRSA with the region's public keys). */
  digests: number;
  /** Archives listed by those digests that were re-hashed. */
  archives: number;
  problems: ValidationProblem[];
  /** Window starts (ISO-8601) when the trail was not logging: gaps by choice, not defects. */
  notLogging: string[];
}

/**
 * Validates [from, to). Without `to`, up to the end of the trail's latest digest (or the last
 * closed window when it has none yet).
 */
export async function validateTrail(deps: AppDeps, accountId: string, trailName: string, fromTime: Date, toTime?: Date): Promise<TrailValidation> {
  const trail = await findTrail(deps.database.db, accountId, trailName);
  if (!trail) throw new DomainError("NotFoundException", `Trail ${trailName} does not exist in account ${accountId}.`);
  const credentials = await trailCredentials(deps, trail);
  if (!credentials) {
    throw new DomainError("ConflictException", `The trail's access key ${trail.accessKeyId} is missing or inactive, so its bucket cannot be read.`);
  }
  const store = deps.storage.withCredentials(credentials);

  const from = windowOf(fromTime).start;
  const lastDigest = await latestDigest(deps.database, trail.id);
  const to = toTime ?? (lastDigest ? new Date(lastDigest.hourStart.getTime() + DIGEST_PERIOD_MS) : windowOf(deps.clock.now()).start);
  if (to <= from) throw new DomainError("ValidationException", `to (${to.toISOString()}) must be after from (${from.toISOString()}).`);

  const hours = hourStartsIn(from, to);
  const hoursFrom = new Date(hours[0]!);
  const hoursTo = new Date(hours[hours.length - 1]! + DIGEST_PERIOD_MS);
  const deliveries = await deliveriesBetween(deps.database, trail.id, hoursFrom, hoursTo);
  const digestRows = await digestsBetween(deps.database, trail.id, hoursFrom, hoursTo);

  try {
    return await check(deps, store, trail, { from, to, hours, deliveries, digestRows });
  } catch (error) {
    if (error instanceof StorageError) {
      throw new DomainError("ConflictException", `Cannot read the trail's bucket ${trail.bucket} with its stored key: ${error.message}`);
    }
    throw error;
  }
}

async function check(
  deps: AppDeps,
  store: ObjectStore,
  trail: TrailRow,
  r: {
    from: Date;
    to: Date;
    hours: number[];
    deliveries: DeliveryRow[];
    digestRows: DigestRow[];
  },
): Promise<TrailValidation> {
  const problems: ValidationProblem[] = [];
  const arn = trailArn(trail.region, trail.accountId, trail.name);
  const recordedHours = new Set(r.deliveries.map((d) => Math.floor(d.windowStart.getTime() / DIGEST_PERIOD_MS) * DIGEST_PERIOD_MS));
  const digestKeyOf = new Map(r.digestRows.map((d) => [d.hourStart.getTime(), d.objectKey]));

  // 1. The digests of every hour in which the trail recorded windows (or wrote a digest).
  const valid: ReadDigest[] = [];
  const known = new Map<string, KnownDigest>();
  for (const hour of r.hours) {
    if (!recordedHours.has(hour) && !digestKeyOf.has(hour)) continue;
    const window = new Date(hour).toISOString();
    const key = digestKeyOf.get(hour) ?? trailDigestKey(trail, new Date(hour));
    const got = await readDigest(store, trail.bucket, key);
    if (!got) {
      known.set(key, null);
      const settled = digestKeyOf.has(hour) || (trail.nextWindowStart !== null && trail.nextWindowStart.getTime() >= hour + DIGEST_PERIOD_MS);
      problems.push({
        kind: "missing-digest",
        key,
        window,
        message: settled
          ? `Digest ${key} for the hour starting ${window} does not exist.`
          : `The digest for the hour starting ${window} is not written yet (the hour is not fully delivered).`,
      });
      continue;
    }
    const file = got.document === null ? null : parseDigest(got.document.toString("utf8"));
    if (!file || got.document === null) {
      problems.push({ kind: "malformed-digest", key, window, message: `Digest ${key} is not a well-formed gzip'ed CloudTrail digest file.` });
      continue;
    }
    const sha256 = createHash("sha256").update(got.document).digest("hex");
    known.set(key, { sha256, signature: got.signature ?? "" });
    const publicKey = await signingKeyByFingerprint(deps.database, file.digestPublicKeyFingerprint);
    const verified =
      got.signature !== null &&
      got.signatureAlgorithm === DIGEST_SIGNATURE_ALGORITHM &&
      publicKey !== null &&
      publicKey.region === trail.region &&
      verifyDigestSignature(publicKey.publicKeyDer, digestStringToSign(file, sha256), got.signature);
    if (!verified) {
      problems.push({
        kind: "bad-signature",
        key,
        window,
        message: `The signature of digest ${key} does not verify with the region's public key ${file.digestPublicKeyFingerprint}: the file was altered or not written by this service.`,
      });
      continue;
    }
    if (
      file.digestS3Object !== key ||
      file.digestS3Bucket !== trail.bucket ||
      file.awsAccountId !== trail.accountId ||
      file.digestStartTime !== isoSeconds(new Date(hour))
    ) {
      problems.push({
        kind: "wrong-digest",
        key,
        window,
        message: `Digest ${key} is s3://${file.digestS3Bucket}/${file.digestS3Object} of account ${file.awsAccountId} at ${file.digestStartTime}, not this trail's (${arn}) at ${isoSeconds(new Date(hour))}.`,
      });
      continue;
    }
    valid.push({ key, sha256, signature: got.signature!, file });
  }

  // 2. The chain, including the link from the first digest to the one before the range.
  const first = valid[0]?.file;
  if (first?.previousDigestS3Object && !known.has(first.previousDigestS3Object)) {
    const prev = await readDigest(store, first.previousDigestS3Bucket ?? trail.bucket, first.previousDigestS3Object);
    known.set(
      first.previousDigestS3Object,
      prev?.document ? { sha256: createHash("sha256").update(prev.document).digest("hex"), signature: prev.signature ?? "" } : null,
    );
  }
  problems.push(...checkChain(valid, known));

  // 3. Every listed archive exists and hashes to the listed value.
  const listed = new Map<string, number>();
  let archives = 0;
  for (const d of valid) {
    for (const a of d.file.logFiles) {
      const start = archiveWindowStart(a.s3Object);
      const window = start === null ? undefined : new Date(start).toISOString();
      if (start !== null) listed.set(a.s3Object, start);
      const actual = await contentSha256Of(store, a.s3Bucket, a.s3Object);
      if (actual === null) {
        problems.push({ kind: "missing-archive", key: a.s3Object, window, message: `Archive ${a.s3Object} listed by digest ${d.key} does not exist.` });
      } else if (actual !== a.hashValue) {
        problems.push({
          kind: "altered-archive",
          key: a.s3Object,
          window,
          message: `Archive ${a.s3Object} was altered: the SHA-256 of its content is ${actual}, digest ${d.key} lists ${a.hashValue}.`,
        });
      } else archives++;
    }
  }

  // 4. Coverage of the range's windows, and archives in the bucket that no digest lists.
  const windowStarts = windowStartsIn(r.from, r.to);
  const records = new Map<number, WindowRecord>(r.deliveries.map((d) => [d.windowStart.getTime(), { status: d.status, objectKey: d.objectKey }]));
  const others = (await listTrailRows(deps.database.db, trail.accountId)).filter(
    (t) => t.id !== trail.id && t.bucket === trail.bucket && t.prefix === trail.prefix,
  );
  const bucketArchives: string[] = [];
  for (let day = utcDayStart(r.from).getTime(); day < r.to.getTime(); day += DAY_MS) {
    const folder = archiveFolder({ prefix: trail.prefix, accountId: trail.accountId, region: trail.region, day: new Date(day) });
    for (const o of await store.list(trail.bucket, folder)) {
      const start = archiveWindowStart(o.key);
      if (start === null || start < r.from.getTime() || start >= r.to.getTime()) continue;
      if (others.some((t) => windowObjectKey(t, { start: new Date(start) }) === o.key)) continue;
      bucketArchives.push(o.key);
    }
  }
  problems.push(...checkCoverage({ windowStarts, records, listed, bucketArchives }));

  const notLogging = notLoggingWindows(windowStarts, records);
  return { valid: problems.length === 0, from: r.from.toISOString(), to: r.to.toISOString(), digests: valid.length, archives, problems, notLogging };
}

/** A digest object: its decompressed document (null when it is not gzip) and signature metadata; null when missing. */
async function readDigest(
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<{ document: Buffer | null; signature: string | null; signatureAlgorithm: string | null } | null> {
  const got = await store.get(bucket, key);
  if (!got) return null;
  const bytes = new Uint8Array(await new Response(got.body).arrayBuffer());
  let document: Buffer | null;
  try {
    document = gunzipSync(bytes);
  } catch {
    document = null;
  }
  return { document, signature: got.metadata.signature ?? null, signatureAlgorithm: got.metadata["signature-algorithm"] ?? null };
}

/**
 * Streams the object through gunzip and SHA-256 (archives can be large): the hash of its content,
 * as digests list it. Null when it does not exist; a value that matches nothing when it is not gzip.
 */
async function contentSha256Of(store: ObjectStore, bucket: string, key: string): Promise<string | null> {
  const got = await store.get(bucket, key);
  if (!got) return null;
  const hash = createHash("sha256");
  const gunzip = createGunzip();
  gunzip.on("data", (chunk: Buffer) => hash.update(chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      gunzip.on("end", resolve);
      gunzip.on("error", reject);
      (async () => {
        for await (const chunk of got.body as unknown as AsyncIterable<Uint8Array>) {
          if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once("drain", r));
        }
        gunzip.end();
      })().catch(reject);
    });
  } catch {
    return "not-gzip";
  }
  return hash.digest("hex");
}
