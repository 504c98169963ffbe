import {
  addTrailTags,
  assertCanUseActivityLog,
  assertTagCount,
  type Caller,
  DomainError,
  type EventSelector,
  parseTagsList,
  parseTrailRef,
  parseTrailResourceArn,
  removeTrailTags,
  selectorsAdmit,
  type TrailRef,
  type TrailTag,
  trailArn,
  UNKNOWN_ACCESS_KEY_MESSAGE,
  validateBucketName,
  validateS3Prefix,
  validateTrailName,
  windowOf,
} from "@activity-log/core";
import { getQuotas } from "../db/iam.ts";
import {
  changeTrailTags,
  deleteTrailRow,
  findActiveKeyOfUser,
  findKeySecret,
  findTrail,
  insertTrail,
  listTrailRows,
  setTrailLogging,
  TrailNameTaken,
  TrailQuotaExceeded,
  updateTrailRow,
  type TrailPatch,
  type TrailRow,
} from "../db/trails.ts";
import type { AppDeps } from "../deps.ts";
import { StorageError, type S3Credentials } from "../storage/object-store.ts";
import { assertBucketOwner } from "./buckets.ts";

/**
 * Trail operations shared by the CloudTrail API and the console. Every function checks access
 * (ActivityLogAdministrators + subscription) and scopes to the caller's account; names and ARNs
 * are accepted wherever AWS accepts them.
 */

export type Trail = TrailRow & { arn: string };

export interface CreateTrailInput {
  name: unknown;
  bucket: unknown;
  prefix?: unknown;
  /** The project that holds the bucket; defaults to the caller's (for API callers, the key's project). */
  project?: string;
  /** The console creates and starts in one step; the API does not. */
  startLogging?: boolean;
  /** Kept and shown as set (AWS's defaults: false and true); the service has one region either way. */
  isMultiRegionTrail?: boolean;
  includeGlobalServiceEvents?: boolean;
  /** CreateTrail's TagsList, checked like AddTags. */
  tags?: unknown;
  /** EnableLogFileValidation: hourly signed digests. False unless asked for (as AWS); the console asks. */
  logFileValidation?: boolean;
}

export interface UpdateTrailInput {
  bucket?: unknown;
  prefix?: unknown;
  project?: string;
  isMultiRegionTrail?: boolean;
  includeGlobalServiceEvents?: boolean;
  logFileValidation?: boolean;
}

export interface TrailStatus {
  isLogging: boolean;
  startLoggingTime: Date | null;
  stopLoggingTime: Date | null;
  latestDeliveryTime: Date | null;
  latestDeliveryAttemptTime: Date | null;
  latestDeliveryError: string | null;
  latestDigestTime: Date | null;
  latestDigestError: string | null;
}

const withArn = (row: TrailRow): Trail => ({ ...row, arn: trailArn(row.region, row.accountId, row.name) });

export async function createTrail(deps: AppDeps, caller: Caller, input: CreateTrailInput): Promise<Trail> {
  assertCanUseActivityLog(caller);
  const name = validateTrailName(input.name);
  const bucket = validateBucketName(input.bucket);
  const prefix = validateS3Prefix(input.prefix);
  const isMultiRegionTrail = input.isMultiRegionTrail ?? false;
  const includeGlobalServiceEvents = input.includeGlobalServiceEvents ?? true;
  assertRegionFlags(isMultiRegionTrail, includeGlobalServiceEvents);
  const tags = parseTagsList(input.tags);
  assertTagCount(tags.length);
  const logFileValidation = input.logFileValidation ?? false;
  const db = deps.database.db;
  if (await findTrail(db, caller.accountId, name)) throw trailExists(deps, caller, name);
  const quotas = await getQuotas(db, caller.accountId);
  const project = input.project ?? caller.project;
  const accessKeyId = await checkBucket(deps, caller, project, bucket);
  let row: TrailRow;
  try {
    row = await insertTrail(
      db,
      {
        accountId: caller.accountId,
        name,
        region: deps.config.region,
        project,
        bucket,
        prefix,
        accessKeyId,
        isMultiRegionTrail,
        includeGlobalServiceEvents,
        tags,
        logFileValidation,
      },
      quotas.trails,
    );
  } catch (error) {
    if (error instanceof TrailNameTaken) throw trailExists(deps, caller, name);
    if (error instanceof TrailQuotaExceeded) {
      throw new DomainError(
        "MaximumNumberOfTrailsExceededException",
        `User: ${caller.accountId} already has ${quotas.trails} trails in ${deps.config.region}. The account's trail limit is ${quotas.trails}.`,
      );
    }
    throw error;
  }
  if (input.startLogging) row = (await setLogging(deps, row, true))!;
  return withArn(row);
}

export async function updateTrail(deps: AppDeps, caller: Caller, ref: unknown, input: UpdateTrailInput): Promise<Trail> {
  const current = await requireTrail(deps, caller, ref);
  const patch: TrailPatch = {};
  if (input.prefix !== undefined) patch.prefix = validateS3Prefix(input.prefix);
  if (input.isMultiRegionTrail !== undefined) patch.isMultiRegionTrail = input.isMultiRegionTrail;
  if (input.includeGlobalServiceEvents !== undefined) patch.includeGlobalServiceEvents = input.includeGlobalServiceEvents;
  assertRegionFlags(patch.isMultiRegionTrail ?? current.isMultiRegionTrail, patch.includeGlobalServiceEvents ?? current.includeGlobalServiceEvents);
  if (input.logFileValidation !== undefined) patch.logFileValidation = input.logFileValidation;
  if (input.bucket !== undefined || input.project !== undefined) {
    const bucket = input.bucket === undefined ? current.bucket : validateBucketName(input.bucket);
    const project = input.project ?? (input.bucket === undefined ? current.project : caller.project);
    // A changed destination is checked with the caller's own key, which deliveries then use.
    patch.bucket = bucket;
    patch.project = project;
    patch.accessKeyId = await checkBucket(deps, caller, project, bucket);
  }
  const row = await updateTrailRow(deps.database.db, caller.accountId, current.name, patch, deps.clock.now());
  if (!row) throw trailNotFound(deps, caller, String(ref));
  return withArn(row);
}

export async function deleteTrail(deps: AppDeps, caller: Caller, ref: unknown): Promise<void> {
  const current = await requireTrail(deps, caller, ref);
  // Archives already delivered stay in the bucket: only the configuration goes.
  if (!(await deleteTrailRow(deps.database.db, caller.accountId, current.name))) throw trailNotFound(deps, caller, String(ref));
}

export async function getTrail(deps: AppDeps, caller: Caller, ref: unknown): Promise<Trail> {
  return withArn(await requireTrail(deps, caller, ref));
}

export async function listTrails(deps: AppDeps, caller: Caller): Promise<Trail[]> {
  assertCanUseActivityLog(caller);
  return (await listTrailRows(deps.database.db, caller.accountId)).map(withArn);
}

/** DescribeTrails: all trails, or those named (unknown names are left out, as AWS does). */
export async function describeTrails(deps: AppDeps, caller: Caller, refs?: unknown[]): Promise<Trail[]> {
  const all = await listTrails(deps, caller);
  if (!refs || refs.length === 0) return all;
  const wanted = new Set<string>();
  for (const ref of refs) {
    // A malformed ARN here is a bad name: DescribeTrails's model lists no CloudTrailARNInvalidException.
    let parsed: TrailRef;
    try {
      parsed = parseRef(ref);
    } catch (error) {
      if (error instanceof DomainError && error.code === "CloudTrailARNInvalidException") throw new DomainError("InvalidTrailNameException", error.message);
      throw error;
    }
    // Like GetTrail: another account's or another region's ARN names no trail here.
    if (isHere(deps, caller, parsed)) wanted.add(parsed.name);
  }
  return all.filter((t) => wanted.has(t.name));
}

export async function startLogging(deps: AppDeps, caller: Caller, ref: unknown): Promise<Trail> {
  return withArn((await setLogging(deps, await requireTrail(deps, caller, ref), true))!);
}

export async function stopLogging(deps: AppDeps, caller: Caller, ref: unknown): Promise<Trail> {
  return withArn((await setLogging(deps, await requireTrail(deps, caller, ref), false))!);
}

export async function getTrailStatus(deps: AppDeps, caller: Caller, ref: unknown): Promise<TrailStatus> {
  const t = await requireTrail(deps, caller, ref);
  return {
    isLogging: t.isLogging,
    startLoggingTime: t.startLoggingTime,
    stopLoggingTime: t.stopLoggingTime,
    latestDeliveryTime: t.latestDeliveryTime,
    latestDeliveryAttemptTime: t.latestDeliveryAttemptTime,
    latestDeliveryError: t.latestDeliveryError,
    latestDigestTime: t.latestDigestTime,
    latestDigestError: t.latestDigestError,
  };
}

/**
 * Stores event selectors. Every event here is a management event, so any list of selectors reduces
 * exactly to one ReadWriteType (or to "nothing") — which is what the trail keeps.
 */
export async function putEventSelectors(deps: AppDeps, caller: Caller, ref: unknown, selectors: EventSelector[]): Promise<Trail> {
  const current = await requireTrail(deps, caller, ref);
  if (selectors.some((s) => s.DataResources.length > 0)) {
    throw new DomainError(
      "InvalidEventSelectorsException",
      "Data events are not supported: Activity Log records management events (API calls and console sign-ins) only. Remove DataResources.",
    );
  }
  const reads = selectorsAdmit(selectors, true);
  const writes = selectorsAdmit(selectors, false);
  const patch: TrailPatch =
    reads && writes
      ? { readWriteType: "All", includeManagementEvents: true }
      : reads
        ? { readWriteType: "ReadOnly", includeManagementEvents: true }
        : writes
          ? { readWriteType: "WriteOnly", includeManagementEvents: true }
          : { readWriteType: "All", includeManagementEvents: false };
  const row = await updateTrailRow(deps.database.db, caller.accountId, current.name, patch, deps.clock.now());
  if (!row) throw trailNotFound(deps, caller, String(ref));
  return withArn(row);
}

/** AddTags: the trail named by its ARN gets the tags (a known key takes the new value; at most 50 in all). */
export async function addTags(deps: AppDeps, caller: Caller, resourceId: unknown, tagsList: unknown): Promise<Trail> {
  const added = parseTagsList(tagsList);
  return changeTags(deps, caller, resourceId, (current) => addTrailTags(current, added));
}

/** RemoveTags: the listed keys go; keys the trail does not have are ignored. */
export async function removeTags(deps: AppDeps, caller: Caller, resourceId: unknown, tagsList: unknown): Promise<Trail> {
  const removed = parseTagsList(tagsList);
  return changeTags(deps, caller, resourceId, (current) => removeTrailTags(current, removed));
}

/** ListTags: the tags of each trail ARN, in the order asked; an unknown one fails the call, as AWS does. */
export async function listTags(deps: AppDeps, caller: Caller, resourceIds: string[]): Promise<{ arn: string; tags: TrailTag[] }[]> {
  assertCanUseActivityLog(caller);
  const out: { arn: string; tags: TrailTag[] }[] = [];
  for (const id of resourceIds) {
    const row = await findTrail(deps.database.db, caller.accountId, resourceRef(deps, caller, id).name);
    if (!row) throw resourceNotFound(id);
    out.push({ arn: withArn(row).arn, tags: row.tags });
  }
  return out;
}

async function changeTags(deps: AppDeps, caller: Caller, resourceId: unknown, change: (current: TrailTag[]) => TrailTag[]): Promise<Trail> {
  assertCanUseActivityLog(caller);
  const ref = resourceRef(deps, caller, resourceId);
  const row = await changeTrailTags(deps.database.db, caller.accountId, ref.name, change, deps.clock.now());
  if (!row) throw resourceNotFound(String(resourceId));
  return withArn(row);
}

/** A tag call's ResourceId: a trail ARN; another account's or region's answers like a missing one. */
function resourceRef(deps: AppDeps, caller: Caller, resourceId: unknown): TrailRef {
  const ref = parseTrailResourceArn(resourceId);
  if (!isHere(deps, caller, ref)) throw resourceNotFound(String(resourceId));
  return ref;
}

function resourceNotFound(resourceId: string): DomainError {
  return new DomainError("ResourceNotFoundException", `Resource not found: ${resourceId}`);
}

/** The trail's selectors as GetEventSelectors shows them. */
export function eventSelectorsOf(trail: Pick<TrailRow, "readWriteType" | "includeManagementEvents">): EventSelector[] {
  return [{ ReadWriteType: trail.readWriteType, IncludeManagementEvents: trail.includeManagementEvents, DataResources: [] }];
}

/** The key pair a trail delivers with (the worker's view); null when the key is gone or inactive. */
export async function trailCredentials(deps: AppDeps, trail: Pick<TrailRow, "accountId" | "accessKeyId">): Promise<S3Credentials | null> {
  const key = await findKeySecret(deps.database.db, trail.accountId, trail.accessKeyId);
  if (key?.status !== "Active") return null;
  return { accessKeyId: trail.accessKeyId, secretAccessKey: deps.secrets.decrypt(key.secretEncrypted) };
}

async function setLogging(deps: AppDeps, row: TrailRow, logging: boolean): Promise<TrailRow | null> {
  const now = deps.clock.now();
  return setTrailLogging(deps.database.db, row.accountId, row.name, logging, now, windowOf(now).start);
}

async function requireTrail(deps: AppDeps, caller: Caller, ref: unknown): Promise<TrailRow> {
  assertCanUseActivityLog(caller);
  const parsed = parseRef(ref);
  // Another account's ARN answers exactly like a missing trail (tenant isolation).
  if (!isHere(deps, caller, parsed)) throw trailNotFound(deps, caller, String(ref));
  const row = await findTrail(deps.database.db, caller.accountId, parsed.name);
  if (!row) throw trailNotFound(deps, caller, String(ref));
  return row;
}

/** A name, or an ARN of the caller's account in this region. */
function isHere(deps: AppDeps, caller: Caller, ref: TrailRef): boolean {
  return ref.accountId === undefined || (ref.accountId === caller.accountId && ref.region === deps.config.region);
}

/** AWS refuses a multi-region trail without global service events. */
function assertRegionFlags(isMultiRegionTrail: boolean, includeGlobalServiceEvents: boolean): void {
  if (isMultiRegionTrail && !includeGlobalServiceEvents) {
    throw new DomainError(
      "InvalidParameterCombinationException",
      "A multi-region trail must include global service events: set IncludeGlobalServiceEvents to true.",
    );
  }
}

function parseRef(ref: unknown) {
  if (typeof ref !== "string" || ref.length === 0) throw new DomainError("InvalidTrailNameException", "Trail name or ARN is required.");
  return parseTrailRef(ref);
}

function trailNotFound(deps: AppDeps, caller: Caller, ref: string): DomainError {
  const arn = ref.startsWith("arn:") ? ref : trailArn(deps.config.region, caller.accountId, ref);
  return new DomainError("TrailNotFoundException", `Unknown trail: ${arn} for the user: ${caller.accountId}`);
}

function trailExists(deps: AppDeps, caller: Caller, name: string): DomainError {
  return new DomainError(
    "TrailAlreadyExistsException",
    `Trail ${trailArn(deps.config.region, caller.accountId, name)} already exists for customer: ${caller.accountId}`,
  );
}

/**
 * Proves the bucket is the project's (buckets.ts) and the caller's own key pair for `project` can write into it, and returns that key's
 * id (deliveries write with it). API callers use the key they signed with, which must belong to the
 * project; console callers use their first Active key in the project.
 */
async function checkBucket(deps: AppDeps, caller: Caller, project: string, bucket: string): Promise<string> {
  await assertBucketOwner(deps, caller, project, bucket);
  const db = deps.database.db;
  let accessKeyId: string | null = caller.accessKeyId;
  if (accessKeyId === null) {
    accessKeyId = await findActiveKeyOfUser(db, caller.accountId, caller.userId, project);
    if (accessKeyId === null) {
      throw new DomainError(
        "InsufficientS3BucketPolicyException",
        `User ${caller.userName} has no active access key in project ${project}; create one so the trail can write to bucket ${bucket}.`,
      );
    }
  } else if (project !== caller.project) {
    throw new DomainError(
      "InvalidParameterException",
      `The access key ${accessKeyId} belongs to project ${caller.project}, not ${project}; sign with a key of the project that holds the bucket.`,
    );
  }
  const key = await findKeySecret(db, caller.accountId, accessKeyId);
  if (key?.status !== "Active") throw new DomainError("InsufficientS3BucketPolicyException", UNKNOWN_ACCESS_KEY_MESSAGE);
  const store = deps.storage.withCredentials({ accessKeyId, secretAccessKey: deps.secrets.decrypt(key.secretEncrypted) });
  try {
    await store.checkWritable(bucket);
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    switch (error.code) {
      case "NoSuchBucket":
        throw new DomainError("S3BucketDoesNotExistException", `S3 bucket does not exist: ${bucket}`);
      case "InvalidAccessKeyId":
        throw new DomainError("InsufficientS3BucketPolicyException", UNKNOWN_ACCESS_KEY_MESSAGE);
      case "InvalidBucketName":
        throw new DomainError("InvalidS3BucketNameException", `Bucket name is not valid: ${bucket}`);
      case "AccessDenied":
      case "SignatureDoesNotMatch":
        throw new DomainError("InsufficientS3BucketPolicyException", `Incorrect S3 bucket policy is detected for bucket: ${bucket} (${error.message})`);
      default:
        throw new DomainError("InsufficientS3BucketPolicyException", `Could not write to S3 bucket ${bucket}: ${error.code}: ${error.message}`);
    }
  }
  return accessKeyId;
}
