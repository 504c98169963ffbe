/**
 * Owners of the embedded object store's buckets (no S3_ENDPOINT): which project of which account
 * a bucket belongs to. trails/buckets.ts decides with them.
 */
import { eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { localBuckets } from "./schema/trails.ts";

export type LocalBucketOwner = { accountId: string; project: string };

export async function findLocalBucketOwner(db: Db, bucket: string): Promise<LocalBucketOwner | null> {
  const [row] = await db
    .select({ accountId: localBuckets.accountId, project: localBuckets.project })
    .from(localBuckets)
    .where(eq(localBuckets.name, bucket))
    .limit(1);
  return row ?? null;
}

/**
 * Registers the bucket as the project's, then runs `create` (making the directory) in the same
 * transaction, so an owner is never stored for a bucket that failed to appear. False when the name is taken.
 */
export async function insertLocalBucket(db: Db, bucket: string, owner: LocalBucketOwner, create: () => Promise<void>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(localBuckets)
      .values({ name: bucket, accountId: owner.accountId, project: owner.project })
      .onConflictDoNothing()
      .returning({ name: localBuckets.name });
    if (inserted.length === 0) return false;
    await create();
    return true;
  });
}
