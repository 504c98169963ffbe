// Hourly digest files of a trail in CloudTrail's own format (what `aws cloudtrail validate-logs`
// reads): the JSON document, the string its SHA256withRSA signature covers, and the pure checks of
// `validate-trail` (chain, coverage). Hashing and signing live in api/trails/signing-keys.ts, the
// reading in api/trails/validate.ts, the writing in worker/digests.ts.
import { DIGEST_PERIOD_MS, WINDOW_MS } from "./trail.ts";

export const DIGEST_SIGNATURE_ALGORITHM = "SHA256withRSA";
export const DIGEST_HASH_ALGORITHM = "SHA-256";

/** One archive a digest lists. `hashValue` is the SHA-256 (hex) of the decompressed object (the tar). */
export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
  newestEventTime: string;
  oldestEventTime: string;
}

/** The digest document, field for field as CloudTrail writes it. */
export interface CloudTrailDigest {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  /** SHA-256 (hex) of the previous digest's decompressed document; null for the first of a chain. */
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: string | null;
  /** The previous digest's signature (hex); null for the first of a chain. */
  previousDigestSignature: string | null;
  logFiles: DigestLogFile[];
}

/** ISO-8601 UTC without milliseconds, as CloudTrail writes times. */
export function isoSeconds(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The document's text, fields in a fixed order: a pure function of the digest (a retry writes the same bytes). */
export function renderDigest(d: CloudTrailDigest): string {
  const ordered: CloudTrailDigest = {
    awsAccountId: d.awsAccountId,
    digestStartTime: d.digestStartTime,
    digestEndTime: d.digestEndTime,
    digestS3Bucket: d.digestS3Bucket,
    digestS3Object: d.digestS3Object,
    digestPublicKeyFingerprint: d.digestPublicKeyFingerprint,
    digestSignatureAlgorithm: d.digestSignatureAlgorithm,
    newestEventTime: d.newestEventTime,
    oldestEventTime: d.oldestEventTime,
    previousDigestS3Bucket: d.previousDigestS3Bucket,
    previousDigestS3Object: d.previousDigestS3Object,
    previousDigestHashValue: d.previousDigestHashValue,
    previousDigestHashAlgorithm: d.previousDigestHashAlgorithm,
    previousDigestSignature: d.previousDigestSignature,
    logFiles: d.logFiles.map((f) => ({
      s3Bucket: f.s3Bucket,
      s3Object: f.s3Object,
      hashValue: f.hashValue,
      hashAlgorithm: f.hashAlgorithm,
      newestEventTime: f.newestEventTime,
      oldestEventTime: f.oldestEventTime,
    })),
  };
  return JSON.stringify(ordered);
}

/**
 * What the signature covers (the AWS CLI's Sha256RSADigestValidator): the end time, bucket/key, the
 * SHA-256 (hex) of the decompressed document and the previous signature (`null` for the first).
 */
export function digestStringToSign(
  d: Pick<CloudTrailDigest, "digestEndTime" | "digestS3Bucket" | "digestS3Object" | "previousDigestSignature">,
  documentSha256: string,
): string {
  return `${d.digestEndTime}\n${d.digestS3Bucket}/${d.digestS3Object}\n${documentSha256}\n${d.previousDigestSignature ?? "null"}`;
}

const isStr = (x: unknown): x is string => typeof x === "string";
const isStrOrNull = (x: unknown): x is string | null => x === null || typeof x === "string";

/** Parses a digest document; null when it is not a well-formed CloudTrail digest. */
export function parseDigest(text: string): CloudTrailDigest | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const d = raw as Record<string, unknown>;
  const ok =
    isStr(d.awsAccountId) &&
    isStr(d.digestStartTime) &&
    isStr(d.digestEndTime) &&
    isStr(d.digestS3Bucket) &&
    isStr(d.digestS3Object) &&
    isStr(d.digestPublicKeyFingerprint) &&
    isStr(d.digestSignatureAlgorithm) &&
    isStrOrNull(d.newestEventTime) &&
    isStrOrNull(d.oldestEventTime) &&
    isStrOrNull(d.previousDigestS3Bucket) &&
    isStrOrNull(d.previousDigestS3Object) &&
    isStrOrNull(d.previousDigestHashValue) &&
    isStrOrNull(d.previousDigestSignature) &&
    Array.isArray(d.logFiles) &&
    d.logFiles.every((a: unknown) => {
      if (typeof a !== "object" || a === null) return false;
      const r = a as Record<string, unknown>;
      return isStr(r.s3Bucket) && isStr(r.s3Object) && isStr(r.hashValue) && isStr(r.hashAlgorithm);
    });
  return ok ? (d as unknown as CloudTrailDigest) : null;
}

export type ProblemKind =
  | "missing-digest"
  | "malformed-digest"
  | "bad-signature"
  | "wrong-digest"
  | "broken-chain"
  | "missing-archive"
  | "altered-archive"
  | "unlisted-archive"
  | "missing-window"
  | "undelivered-window";

export interface ValidationProblem {
  kind: ProblemKind;
  key?: string;
  /** Window (or digest hour) start, ISO-8601. */
  window?: string;
  message: string;
}

/** A digest as read back: its key, the SHA-256 of its decompressed document, its signature and content. */
export interface ReadDigest {
  key: string;
  sha256: string;
  signature: string;
  file: CloudTrailDigest;
}

/** What is known of a digest outside the range (the one before it): its hash and signature, or null when missing. */
export type KnownDigest = { sha256: string; signature: string } | null;

/**
 * The chain: every digest names the trail's previous digest, the SHA-256 of its document and its
 * signature. `digests` are the valid ones found, oldest first; `known` maps other digest keys that
 * were looked up (e.g. the one before the range).
 */
export function checkChain(digests: readonly ReadDigest[], known: ReadonlyMap<string, KnownDigest>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const byKey = new Map<string, KnownDigest>(known);
  for (const d of digests) byKey.set(d.key, { sha256: d.sha256, signature: d.signature });
  digests.forEach((d, i) => {
    const prevKey = d.file.previousDigestS3Object;
    const window = d.file.digestStartTime;
    if (prevKey === null) {
      if (i > 0)
        problems.push({ kind: "broken-chain", key: d.key, window, message: `Digest ${d.key} starts a new chain although ${digests[i - 1]!.key} precedes it.` });
      return;
    }
    if (i > 0 && prevKey !== digests[i - 1]!.key && byKey.get(prevKey) !== null && byKey.has(prevKey)) {
      problems.push({
        kind: "broken-chain",
        key: d.key,
        window,
        message: `Digest ${d.key} chains to ${prevKey}, not to the preceding digest ${digests[i - 1]!.key}.`,
      });
      return;
    }
    const actual = byKey.get(prevKey);
    if (actual === undefined || actual === null) {
      problems.push({ kind: "broken-chain", key: d.key, window, message: `Digest ${d.key} chains to ${prevKey}, which does not exist.` });
    } else if (actual.sha256 !== d.file.previousDigestHashValue || actual.signature !== d.file.previousDigestSignature) {
      problems.push({
        kind: "broken-chain",
        key: d.key,
        window,
        message: `Digest ${d.key} chains to ${prevKey} with SHA-256 ${d.file.previousDigestHashValue}, but that digest's SHA-256 is ${actual.sha256} (or its signature differs): it was altered.`,
      });
    }
  });
  return problems;
}

/**
 * Windows of the range for which the trail recorded nothing: it was stopped (or not yet created).
 * Reported apart from problems — a stopped trail is a choice, not tampering — as ISO window starts.
 */
export function notLoggingWindows(windowStarts: readonly number[], records: ReadonlyMap<number, WindowRecord>): string[] {
  return windowStarts.filter((start) => !records.has(start)).map((start) => new Date(start).toISOString());
}

/** What the trail's bookkeeping says about a window. */
export interface WindowRecord {
  status: "pending" | "delivered" | "empty" | "skipped";
  objectKey: string | null;
}

/**
 * Coverage: every window in [from, to) the trail recorded must be accounted for — delivered with
 * its archive listed in a digest, or recorded empty/skipped — and every archive of the range in the bucket must be
 * listed by a digest. `listed` maps archive keys listed by valid digests to their window start (ms);
 * `bucketArchives` are the archive keys found in the bucket for the range (other trails' removed).
 */
export function checkCoverage(input: {
  windowStarts: readonly number[];
  records: ReadonlyMap<number, WindowRecord>;
  listed: ReadonlyMap<string, number>;
  bucketArchives: readonly string[];
}): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const listedWindows = new Set(input.listed.values());
  for (const start of input.windowStarts) {
    const window = new Date(start).toISOString();
    const r = input.records.get(start);
    // No record: the trail was not logging then (see notLoggingWindows) — a gap, not a defect.
    if (!r) continue;
    if (r.status === "pending") {
      problems.push({
        kind: "undelivered-window",
        window,
        ...(r.objectKey ? { key: r.objectKey } : {}),
        message: `The window starting ${window} is not delivered yet.`,
      });
    } else if (r.status === "delivered" && !listedWindows.has(start)) {
      problems.push({
        kind: "missing-window",
        window,
        ...(r.objectKey ? { key: r.objectKey } : {}),
        message: `The window starting ${window} was delivered but no valid digest lists its archive.`,
      });
    }
  }
  for (const key of input.bucketArchives) {
    if (!input.listed.has(key)) problems.push({ kind: "unlisted-archive", key, message: `Archive ${key} is in the bucket but no digest lists it.` });
  }
  return problems;
}

/** The window start encoded in an archive object's name (`…_YYYYMMDDTHHmmZ_<id>.tar.gz`), or null. */
export function archiveWindowStart(key: string): number | null {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*\.tar\.gz$/.exec(key);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi);
}

/** Window starts in [from, to), aligned; hour starts covering them. */
export function windowStartsIn(from: Date, to: Date): number[] {
  const out: number[] = [];
  for (let s = Math.floor(from.getTime() / WINDOW_MS) * WINDOW_MS; s < to.getTime(); s += WINDOW_MS) out.push(s);
  return out;
}

export function hourStartsIn(from: Date, to: Date): number[] {
  const out: number[] = [];
  for (let s = Math.floor(from.getTime() / DIGEST_PERIOD_MS) * DIGEST_PERIOD_MS; s < to.getTime(); s += DIGEST_PERIOD_MS) out.push(s);
  return out;
}
