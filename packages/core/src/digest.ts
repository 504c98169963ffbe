// Hourly digest files of a trail: their canonical form, and the pure checks of `validate-trail`
// (signature input, chain, coverage). The I/O (reading the bucket) lives in api/trails/validate.ts,
// the writing in worker/digests.ts.
import { DIGEST_PERIOD_MS, WINDOW_MS } from "./trail.ts";

export const DIGEST_VERSION = "1";
export const DIGEST_SIGNATURE_ALGORITHM = "HMAC-SHA256";

export interface DigestArchive {
  /** Object key of the window's tar.gz. */
  key: string;
  /** SHA-256 (hex) of the object's bytes. */
  sha256: string;
  eventCount: number;
  /** Start of the 5-minute window, ISO-8601 UTC. */
  windowStart: string;
}

/** Everything a digest states; the signature covers exactly `canonicalDigest` of this. */
export interface DigestBody {
  digestStartTime: string;
  digestEndTime: string;
  trailARN: string;
  bucket: string;
  key: string;
  /** The trail's previous digest (the chain); null for its first. */
  previousDigestKey: string | null;
  /** SHA-256 (hex) of the previous digest file's bytes; null for the first. */
  previousDigestSha256: string | null;
  /** The hour's archives, in window order. */
  archives: DigestArchive[];
}

export interface DigestFile extends DigestBody {
  version: string;
  signatureAlgorithm: string;
  signature: string;
}

/** ISO-8601 UTC without milliseconds, as CloudTrail writes times. */
export function isoSeconds(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The body with its fields in a fixed order: what is signed and what is written. */
function orderedBody(b: DigestBody) {
  return {
    version: DIGEST_VERSION,
    digestStartTime: b.digestStartTime,
    digestEndTime: b.digestEndTime,
    trailARN: b.trailARN,
    bucket: b.bucket,
    key: b.key,
    previousDigestKey: b.previousDigestKey,
    previousDigestSha256: b.previousDigestSha256,
    archives: b.archives.map((a) => ({ key: a.key, sha256: a.sha256, eventCount: a.eventCount, windowStart: a.windowStart })),
  };
}

/** The bytes the signature is computed over: fixed field order, no whitespace, versioned. */
export function canonicalDigest(b: DigestBody): string {
  return `activity-log-digest\n${JSON.stringify(orderedBody(b))}`;
}

/** The file's text: a pure function of the body and the signature (so a retry writes the same bytes). */
export function renderDigest(b: DigestBody, signature: string): string {
  const file: DigestFile = {
    ...orderedBody(b),
    signatureAlgorithm: DIGEST_SIGNATURE_ALGORITHM,
    signature,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

const isStr = (x: unknown): x is string => typeof x === "string";
const isStrOrNull = (x: unknown): x is string | null => x === null || typeof x === "string";

/** Parses a digest file's text; null when it is not a well-formed digest. */
export function parseDigest(text: string): DigestFile | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const d = raw as Record<string, unknown>;
  const ok =
    d.version === DIGEST_VERSION &&
    isStr(d.digestStartTime) &&
    isStr(d.digestEndTime) &&
    isStr(d.trailARN) &&
    isStr(d.bucket) &&
    isStr(d.key) &&
    isStrOrNull(d.previousDigestKey) &&
    isStrOrNull(d.previousDigestSha256) &&
    isStr(d.signatureAlgorithm) &&
    isStr(d.signature) &&
    Array.isArray(d.archives) &&
    d.archives.every((a: unknown) => {
      if (typeof a !== "object" || a === null) return false;
      const r = a as Record<string, unknown>;
      return isStr(r.key) && isStr(r.sha256) && typeof r.eventCount === "number" && isStr(r.windowStart);
    });
  return ok ? (d as unknown as DigestFile) : null;
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

/** A digest as read back: its key, the sha256 of its bytes, and its (signature-checked) content. */
export interface ReadDigest {
  key: string;
  sha256: string;
  file: DigestFile;
}

/**
 * The chain: every digest names the trail's previous digest and the sha256 of its bytes. `digests`
 * are the valid ones found, oldest first; `known` maps other digest keys that were looked up (e.g.
 * the one before the range) to the sha256 of their bytes, or null when the object is missing.
 */
export function checkChain(digests: readonly ReadDigest[], known: ReadonlyMap<string, string | null>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const byKey = new Map<string, string | null>(known);
  for (const d of digests) byKey.set(d.key, d.sha256);
  digests.forEach((d, i) => {
    const prevKey = d.file.previousDigestKey;
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
    } else if (actual !== d.file.previousDigestSha256) {
      problems.push({
        kind: "broken-chain",
        key: d.key,
        window,
        message: `Digest ${d.key} chains to ${prevKey} with SHA-256 ${d.file.previousDigestSha256}, but that file's SHA-256 is ${actual}: it was altered.`,
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
