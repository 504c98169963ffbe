/**
 * Who may deliver into which bucket, beyond what the caller's own credentials prove. With
 * S3_ENDPOINT the endpoint knows its buckets' owners and the credential check in service.ts is the
 * whole answer. The embedded store (directories under $DATA_DIR/objects) has no owners of its own,
 * so the service keeps them: each bucket belongs to one project of one account (an operator
 * creates it with `bun run admin -- bucket create`), and only that project may deliver into it.
 * The service's own reports bucket is nobody's to deliver into, in either mode.
 */
import { type Caller, DomainError, validateBucketName } from "@activity-log/core";
import { requireAccount, requireProject } from "../db/iam.ts";
import { findLocalBucketOwner, insertLocalBucket } from "../db/local-buckets.ts";
import type { AppDeps } from "../deps.ts";

/** S3's answer for a bucket that exists but is not the caller's: the policy does not let them write. */
const notYours = (bucket: string) => new DomainError("InsufficientS3BucketPolicyException", `Incorrect S3 bucket policy is detected for bucket: ${bucket}`);

/** Throws unless the caller's `project` may deliver into `bucket` (before any credential check). */
export async function assertBucketOwner(deps: AppDeps, caller: Caller, project: string, bucket: string): Promise<void> {
  if (bucket === deps.config.reportsBucket) throw notYours(bucket);
  if (deps.config.s3Endpoint) return;
  const owner = await findLocalBucketOwner(deps.database.db, bucket);
  if (!owner) throw new DomainError("S3BucketDoesNotExistException", `S3 bucket does not exist: ${bucket}`);
  if (owner.accountId !== caller.accountId || owner.project !== project) throw notYours(bucket);
}

/**
 * Creates a bucket of the embedded store owned by the account's project (the operator command and
 * the demo). With S3_ENDPOINT buckets are made on the endpoint by their owners, not here.
 */
export async function createProjectBucket(
  deps: AppDeps,
  accountId: string,
  project: string,
  bucketName: unknown,
): Promise<{ bucket: string; accountId: string; project: string }> {
  if (deps.config.s3Endpoint) {
    throw new DomainError(
      "ValidationException",
      "Buckets are created on the S3 endpoint (S3_ENDPOINT) by their owners; this command creates buckets of the embedded object store only.",
    );
  }
  const bucket = validateBucketName(bucketName);
  if (bucket === deps.config.reportsBucket) throw new DomainError("ConflictException", `Bucket ${bucket} is the service's own reports bucket.`);
  const db = deps.database.db;
  await requireAccount(db, accountId);
  await requireProject(db, accountId, project);
  const created = await insertLocalBucket(db, bucket, { accountId, project }, () => deps.storage.service().createBucket(bucket));
  if (!created) throw new DomainError("ConflictException", `Bucket ${bucket} already exists.`);
  return { bucket, accountId, project };
}
