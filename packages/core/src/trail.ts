// Trail rules: names, buckets and prefixes, ARNs, 5-minute delivery windows,
// deterministic archive/digest object keys, and event selectors.
import { DomainError } from "./errors.ts";
import { HOUR_MS, MINUTE_MS } from "./time.ts";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export const TRAIL_NAME_LENGTH = { min: 3, max: 128 } as const;
/** The trail-name rule in a line, for forms. */
export const TRAIL_NAME_HINT = `${TRAIL_NAME_LENGTH.min}–${TRAIL_NAME_LENGTH.max} letters, digits, . _ -; starts and ends with a letter or digit.`;

/** Why a trail name is invalid, or null when it is fine. Used by the console for live feedback. */
export function trailNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || name.length === 0) return "Trail name is required.";
  if (name.length < TRAIL_NAME_LENGTH.min || name.length > TRAIL_NAME_LENGTH.max)
    return `Trail name must be ${TRAIL_NAME_LENGTH.min} to ${TRAIL_NAME_LENGTH.max} characters long.`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return "Trail name may contain only ASCII letters, digits, periods (.), underscores (_) and dashes (-).";
  if (!/^[A-Za-z0-9]/.test(name) || !/[A-Za-z0-9]$/.test(name)) return "Trail name must start and end with a letter or digit.";
  if (/[._-]{2}/.test(name)) return "Trail name must not have adjacent periods, underscores or dashes (such as my-_trail or my..trail).";
  if (IPV4.test(name)) return "Trail name must not look like an IP address (such as 192.168.5.4).";
  return null;
}

export function validateTrailName(name: unknown): string {
  const problem = trailNameProblem(name);
  if (problem !== null) throw new DomainError("InvalidTrailNameException", problem);
  return name as string;
}

export const MAX_S3_PREFIX_LENGTH = 200;

/** Absent or empty means no prefix (""). */
export function validateS3Prefix(p: unknown): string {
  if (p === undefined || p === null) return "";
  if (typeof p !== "string") throw new DomainError("InvalidS3PrefixException", "S3KeyPrefix must be a string.");
  if (p.length > MAX_S3_PREFIX_LENGTH)
    throw new DomainError("InvalidS3PrefixException", `S3KeyPrefix must be at most ${MAX_S3_PREFIX_LENGTH} characters; it has ${p.length}.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) throw new DomainError("InvalidS3PrefixException", "S3KeyPrefix must not contain control characters.");
  // Object keys are UTF-8: a lone surrogate has no encoding, so no object could ever be written under it.
  if (/\p{Cs}/u.test(p)) throw new DomainError("InvalidS3PrefixException", "S3KeyPrefix must be valid Unicode text (it has a lone surrogate).");
  // Checked here, not at delivery: a prefix that climbs out of its folder or starts at the root is a mistake or an attack.
  if (p.startsWith("/")) throw new DomainError("InvalidS3PrefixException", "S3KeyPrefix must not start with '/'.");
  if (p.split("/").some((segment) => segment === "..")) throw new DomainError("InvalidS3PrefixException", "S3KeyPrefix must not contain a '..' segment.");
  return p;
}

/** S3 general-purpose bucket naming rules, or null when the name is fine. */
export function bucketNameProblem(b: unknown): string | null {
  if (typeof b !== "string" || b.length === 0) return "Bucket name is required.";
  if (b.length < 3 || b.length > 63) return "Bucket name must be 3 to 63 characters long.";
  if (!/^[a-z0-9.-]+$/.test(b)) return "Bucket name may contain only lower-case letters, digits, periods (.) and dashes (-).";
  if (!/^[a-z0-9]/.test(b) || !/[a-z0-9]$/.test(b)) return "Bucket name must start and end with a letter or digit.";
  if (/\.\.|\.-|-\./.test(b)) return "Bucket name must not have a period next to another period or a dash.";
  if (IPV4.test(b)) return "Bucket name must not look like an IP address.";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(b) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(b)) return "Bucket name uses a reserved prefix or suffix.";
  return null;
}

export function validateBucketName(b: unknown): string {
  const problem = bucketNameProblem(b);
  if (problem !== null) throw new DomainError("InvalidS3BucketNameException", problem);
  return b as string;
}

export function trailArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
}

export type TrailRef = { name: string; accountId?: string; region?: string };

/**
 * APIs accept a trail name or its ARN. As AWS answers: a name that breaks the naming rules is
 * InvalidTrailNameException, a malformed ARN CloudTrailARNInvalidException. The caller must still
 * check accountId and region against its own.
 */
export function parseTrailRef(nameOrArn: string): TrailRef {
  if (!nameOrArn.startsWith("arn:")) return { name: validateTrailName(nameOrArn) };
  const m = /^arn:[a-z-]+:cloudtrail:([^:]*):([^:]+):trail\/(.+)$/.exec(nameOrArn);
  if (!m || trailNameProblem(m[3]) !== null) throw invalidTrailArn(nameOrArn);
  const [, region, accountId, name] = m as unknown as [string, string, string, string];
  return region ? { name, accountId, region } : { name, accountId };
}

/**
 * The ResourceId of AddTags / RemoveTags / ListTags: a trail ARN (not a bare name). Other CloudTrail
 * resources (event data stores, channels) are a type this service does not have.
 */
export function parseTrailResourceArn(resourceId: unknown): Required<Pick<TrailRef, "name" | "accountId">> & TrailRef {
  if (typeof resourceId !== "string" || !resourceId.startsWith("arn:")) throw invalidTrailArn(String(resourceId ?? ""));
  if (/^arn:[a-z-]+:cloudtrail:[^:]*:[^:]+:(eventdatastore|channel|dashboard)\//.test(resourceId)) {
    throw new DomainError("ResourceTypeNotSupportedException", `Only trails have tags here; ${resourceId} is not a trail.`);
  }
  return parseTrailRef(resourceId) as ReturnType<typeof parseTrailResourceArn>;
}

export function invalidTrailArn(arn: string): DomainError {
  return new DomainError(
    "CloudTrailARNInvalidException",
    `${arn} is not a valid trail ARN. The format of a trail ARN is arn:aws:cloudtrail:<region>:<account>:trail/<name>.`,
  );
}

export const WINDOW_MS = 5 * MINUTE_MS;
export const DIGEST_PERIOD_MS = HOUR_MS;

/** The longest a failing trail waits between attempts: delivery resumes at most this long after storage recovers. */
export const DELIVERY_RETRY_CAP_MS = 90_000;

/**
 * How long a trail waits after its `failures`-th failed delivery in a row before trying again: a
 * minute after the first, then DELIVERY_RETRY_CAP_MS. One probe per trail every 90 s does not
 * hammer a broken bucket, and after an outage of any length the backlog is caught up within two
 * minutes of storage coming back (the worker checks due trails every few seconds).
 */
export function deliveryRetryDelayMs(failures: number): number {
  return Math.min(MINUTE_MS * 2 ** Math.max(0, failures - 1), DELIVERY_RETRY_CAP_MS);
}

/** What S3 answers for a key pair it does not know; the spec shows users exactly this sentence. */
export const UNKNOWN_ACCESS_KEY_MESSAGE = "The AWS Access Key Id you provided does not exist in our records.";

export type DeliveryWindow = { start: Date; end: Date };

/** The 5-minute window [start, end) holding the instant, aligned to UTC :00, :05, … */
export function windowOf(instant: Date): DeliveryWindow {
  const start = Math.floor(instant.getTime() / WINDOW_MS) * WINDOW_MS;
  return { start: new Date(start), end: new Date(start + WINDOW_MS) };
}

/** Closed windows from the one holding `from` up to those ending at or before `to`, oldest first. */
export function windowsBetween(from: Date, to: Date, limit = Number.POSITIVE_INFINITY): DeliveryWindow[] {
  const out: DeliveryWindow[] = [];
  for (let s = windowOf(from).start.getTime(); s + WINDOW_MS <= to.getTime() && out.length < limit; s += WINDOW_MS)
    out.push({ start: new Date(s), end: new Date(s + WINDOW_MS) });
  return out;
}

/** The digest hour [start, end) holding the instant. */
export function hourOf(instant: Date): DeliveryWindow {
  const start = Math.floor(instant.getTime() / DIGEST_PERIOD_MS) * DIGEST_PERIOD_MS;
  return { start: new Date(start), end: new Date(start + DIGEST_PERIOD_MS) };
}

const pad = (n: number) => String(n).padStart(2, "0");

function keyPrefix(prefix: string, accountId: string, kind: string, region: string, t: Date): string {
  const p = prefix.replace(/\/+$/, "");
  const day = `${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}`;
  return `${p ? `${p}/` : ""}AWSLogs/${accountId}/${kind}/${region}/${day}/`;
}

/** `YYYYMMDDTHHmmZ`, as in CloudTrail object names. */
export function compactUtc(t: Date): string {
  return `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}Z`;
}

/** The "folder" of a day's archives (what a listing of one day of a trail's bucket asks for). */
export function archiveFolder(a: { prefix: string; accountId: string; region: string; day: Date }): string {
  return keyPrefix(a.prefix, a.accountId, "CloudTrail", a.region, a.day);
}

/** Deterministic per window and id, so a retried delivery overwrites instead of duplicating. */
export function archiveKey(a: { prefix: string; accountId: string; region: string; windowStart: Date; id: string }): string {
  return `${keyPrefix(a.prefix, a.accountId, "CloudTrail", a.region, a.windowStart)}${a.accountId}_CloudTrail_${a.region}_${compactUtc(a.windowStart)}_${a.id}.tar.gz`;
}

/** `YYYYMMDDTHHmmssZ`, as in CloudTrail digest names (`aws cloudtrail validate-logs` reads it back). */
function compactUtcSeconds(t: Date): string {
  return `${compactUtc(t).slice(0, -1)}${pad(t.getUTCSeconds())}Z`;
}

/**
 * The hourly digest of one trail, named exactly as CloudTrail names it (the AWS CLI's validator
 * skips any other name): its day folder and time are the digest's end, and the name carries the
 * trail's name, so two trails writing to the same bucket and prefix never overwrite each other's.
 */
export function digestKey(a: { prefix: string; accountId: string; region: string; trailName: string; hourStart: Date }): string {
  const end = new Date(a.hourStart.getTime() + DIGEST_PERIOD_MS);
  return `${keyPrefix(a.prefix, a.accountId, "CloudTrail-Digest", a.region, end)}${a.accountId}_CloudTrail-Digest_${a.region}_${a.trailName}_${a.region}_${compactUtcSeconds(end)}.json.gz`;
}

export const READ_WRITE_TYPES = ["All", "ReadOnly", "WriteOnly"] as const;
export type ReadWriteType = (typeof READ_WRITE_TYPES)[number];

export function selectorAdmits(readWriteType: ReadWriteType, readOnly: boolean): boolean {
  if (readWriteType === "All") return true;
  return readWriteType === "ReadOnly" ? readOnly : !readOnly;
}

export type DataResource = { Type: string; Values: string[] };
export type EventSelector = { ReadWriteType: ReadWriteType; IncludeManagementEvents: boolean; DataResources: DataResource[] };

export const DEFAULT_EVENT_SELECTORS: readonly EventSelector[] = [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }];

/** All our events are management events: a selector excluding them admits nothing. */
export function selectorsAdmit(selectors: readonly EventSelector[], readOnly: boolean): boolean {
  return selectors.some((s) => s.IncludeManagementEvents && selectorAdmits(s.ReadWriteType, readOnly));
}

const MAX_SELECTORS = 5;
const MAX_DATA_VALUES = 250;

function badSelectors(message: string): DomainError {
  return new DomainError("InvalidEventSelectorsException", message);
}

/** Validates PutEventSelectors' EventSelectors and fills defaults (All, management events included). */
export function parseEventSelectors(input: unknown): EventSelector[] {
  if (!Array.isArray(input) || input.length < 1 || input.length > MAX_SELECTORS)
    throw badSelectors(`EventSelectors must be a list of 1 to ${MAX_SELECTORS} selectors.`);
  return input.map((raw, i) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw badSelectors(`EventSelectors[${i}] must be an object.`);
    const s = raw as Record<string, unknown>;
    const rwt = s.ReadWriteType ?? "All";
    if (typeof rwt !== "string" || !(READ_WRITE_TYPES as readonly string[]).includes(rwt))
      throw badSelectors(`EventSelectors[${i}].ReadWriteType must be one of ${READ_WRITE_TYPES.join(", ")}.`);
    const include = s.IncludeManagementEvents ?? true;
    if (typeof include !== "boolean") throw badSelectors(`EventSelectors[${i}].IncludeManagementEvents must be true or false.`);
    const dr = s.DataResources ?? [];
    if (!Array.isArray(dr)) throw badSelectors(`EventSelectors[${i}].DataResources must be a list.`);
    const dataResources = dr.map((d, j): DataResource => {
      const where = `EventSelectors[${i}].DataResources[${j}]`;
      if (typeof d !== "object" || d === null) throw badSelectors(`${where} must be an object with Type and Values.`);
      const { Type, Values } = d as Record<string, unknown>;
      if (typeof Type !== "string" || Type.length === 0) throw badSelectors(`${where}.Type must be a non-empty string.`);
      const values = Values ?? [];
      if (!Array.isArray(values) || values.length > MAX_DATA_VALUES || !values.every((x) => typeof x === "string"))
        throw badSelectors(`${where}.Values must be a list of at most ${MAX_DATA_VALUES} strings.`);
      return { Type, Values: values as string[] };
    });
    return { ReadWriteType: rwt as ReadWriteType, IncludeManagementEvents: include, DataResources: dataResources };
  });
}
