import { timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import type { SecretBox } from "../auth/secret-box.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import { accessKeys, users } from "../db/schema/iam.ts";
import { createLocalStorage, type CredentialCheck } from "./local.ts";
import type { ObjectStorage } from "./object-store.ts";
import { createS3Storage } from "./s3.ts";

/**
 * The storage the configuration names: an S3 endpoint (S3_ENDPOINT; the service's own key pair from
 * REPORTS_*) or the directory `$DATA_DIR/objects`, where this service's own Active access keys are the
 * key pairs the storage knows (as one cloud's IAM serves both its APIs).
 */
export function createStorage(config: Config, database: Database, secrets: SecretBox): ObjectStorage {
  if (config.s3Endpoint) {
    return createS3Storage({
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
      serviceCredentials:
        config.reportsAccessKeyId && config.reportsSecretAccessKey
          ? { accessKeyId: config.reportsAccessKeyId, secretAccessKey: config.reportsSecretAccessKey }
          : undefined,
    });
  }
  return createLocalStorage(join(config.dataDir, "objects"), activeAccessKeyCheck(database, secrets));
}

/** A key pair is known when it is an Active access key of an enabled user of this service, with exactly that secret. */
function activeAccessKeyCheck(database: Database, secrets: SecretBox): CredentialCheck {
  return async ({ accessKeyId, secretAccessKey }) => {
    const [row] = await database.db
      .select({ secretEncrypted: accessKeys.secretEncrypted, status: accessKeys.status })
      .from(accessKeys)
      // Revocation: a disabled user's keys are unknown to the storage too.
      .innerJoin(users, and(eq(users.id, accessKeys.userId), isNull(users.disabledAt)))
      .where(eq(accessKeys.accessKeyId, accessKeyId))
      .limit(1);
    if (row?.status !== "Active") return false;
    const stored = Buffer.from(secrets.decrypt(row.secretEncrypted));
    const given = Buffer.from(secretAccessKey);
    return stored.length === given.length && timingSafeEqual(stored, given);
  };
}
