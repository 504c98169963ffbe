/**
 * `validate-trail`: proves a trail's archives for a time range are complete and unaltered — the
 * equivalent of `aws cloudtrail validate-logs`. Reads the bucket with the trail's own stored key
 * pair (as deliveries write it), then applies the pure checks of core/digest.ts:
 *
 *  - every hour of the range in which the trail recorded windows has its digest, well-formed, for
 *    this trail and hour, with a valid signature (HMAC-SHA256 keyed from SECRET_KEY — so only the
 *    service can verify it), chained by key and SHA-256 to the trail's previous digest;
 *  - every archive a digest lists exists and hashes to the listed SHA-256;
 *  - every 5-minute window of the range is accounted for: delivered (and listed by a digest), or
 *    recorded empty/skipped in trail_deliveries; windows with no record (the trail was stopped) are
 *    listed as `notLogging`, apart from the problems;
 *  - no archive of the range sits under the trail's prefix that no digest lists (other trails'
 *    archives at the same bucket and prefix are recognised by their deterministic keys and ignored).
 */
import { createHash } from "node:crypto";
import {
  archiveFolder,
  archiveWindowStart,
  canonicalDigest,
  checkChain,
  checkCoverage,
  DAY_MS,
  DIGEST_PERIOD_MS,
  DomainError,
  hourStartsIn,
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
import { findTrail, listTrailRows, type TrailRow } from "../db/trails.ts";
import type { AppDeps } from "../deps.ts";
import { StorageError, type ObjectStore } from "../storage/object-store.ts";
import { trailDigestKey, windowObjectKey } from "./keys.ts";
import { trailCredentials } from "./service.ts";

export interface TrailValidation {
  valid: boolean;
  /** The range checked: [from, to), aligned to 5-minute windows. */
  from: string;
  to: string;
  /** Digests read whose signature verified. */
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
  const known = new Map<string, string | null>();
  for (const hour of r.hours) {
    if (!recordedHours.has(hour) && !digestKeyOf.has(hour)) continue;
    const window = new Date(hour).toISOString();
    const key = digestKeyOf.get(hour) ?? trailDigestKey(trail, new Date(hour));
    const bytes = await readAll(store, trail.bucket, key);
    if (!bytes) {
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
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    known.set(key, sha256);
    const file = parseDigest(Buffer.from(bytes).toString("utf8"));
    if (!file) {
      problems.push({ kind: "malformed-digest", key, window, message: `Digest ${key} is not a well-formed digest file.` });
      continue;
    }
    if (!deps.secrets.verify(canonicalDigest(file), file.signature)) {
      problems.push({
        kind: "bad-signature",
        key,
        window,
        message: `The signature of digest ${key} does not verify: the file was altered or not written by this service.`,
      });
      continue;
    }
    if (file.trailARN !== arn || file.key !== key || file.digestStartTime !== isoSeconds(new Date(hour))) {
      problems.push({
        kind: "wrong-digest",
        key,
        window,
        message: `Digest ${key} belongs to ${file.trailARN} at ${file.digestStartTime}, not to ${arn} at ${isoSeconds(new Date(hour))}.`,
      });
      continue;
    }
    valid.push({ key, sha256, file });
  }

  // 2. The chain, including the link from the first digest to the one before the range.
  const first = valid[0]?.file.previousDigestKey;
  if (first && !known.has(first)) {
    const bytes = await readAll(store, trail.bucket, first);
    known.set(first, bytes ? createHash("sha256").update(bytes).digest("hex") : null);
  }
  problems.push(...checkChain(valid, known));

  // 3. Every listed archive exists and hashes to the listed value.
  const listed = new Map<string, number>();
  let archives = 0;
  for (const d of valid) {
    for (const a of d.file.archives) {
      listed.set(a.key, Date.parse(a.windowStart));
      const actual = await sha256Of(store, trail.bucket, a.key);
      if (actual === null) {
        problems.push({
          kind: "missing-archive",
          key: a.key,
          window: new Date(a.windowStart).toISOString(),
          message: `Archive ${a.key} listed by digest ${d.key} does not exist.`,
        });
      } else if (actual !== a.sha256) {
        problems.push({
          kind: "altered-archive",
          key: a.key,
          window: new Date(a.windowStart).toISOString(),
          message: `Archive ${a.key} was altered: its SHA-256 is ${actual}, digest ${d.key} lists ${a.sha256}.`,
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

async function readAll(store: ObjectStore, bucket: string, key: string): Promise<Uint8Array | null> {
  const got = await store.get(bucket, key);
  return got ? new Uint8Array(await new Response(got.body).arrayBuffer()) : null;
}

/** Streams the object through SHA-256 (archives can be large); null when it does not exist. */
async function sha256Of(store: ObjectStore, bucket: string, key: string): Promise<string | null> {
  const got = await store.get(bucket, key);
  if (!got) return null;
  const hash = createHash("sha256");
  for await (const chunk of got.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}
