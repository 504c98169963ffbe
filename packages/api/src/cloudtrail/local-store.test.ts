// Trails against the embedded directory store (no S3 endpoint), and the trail service's bucket-check
// mapping for a write the storage refuses (which neither s3rver nor a root-owned directory can produce).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateTrailCommand, GetTrailCommand, UpdateTrailCommand } from "@aws-sdk/client-cloudtrail";
import { eq } from "drizzle-orm";
import { createProject, loadCaller } from "../db/iam.ts";
import { accessKeys } from "../db/schema/iam.ts";
import { trails } from "../db/schema/trails.ts";
import { StorageError, type ObjectStorage } from "../storage/object-store.ts";
import { createProjectBucket } from "../trails/buckets.ts";
import { createTrail } from "../trails/service.ts";
import { cloudTrailClient, createTestUser, ensureAccount, errorOf, startTestServer, type TestServer, type TestUser, testAccountId } from "../test-kit/index.ts";

let h: TestServer;
let admin: TestUser;

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  admin = await createTestUser(h, "acme", "alice");
  await h.createBucket("local-audit", { account: "acme" });
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

test("CreateTrail writes its probe into the local bucket directory; a missing one is S3BucketDoesNotExistException", async () => {
  const ct = cloudTrailClient(h, admin);
  const created = await ct.send(new CreateTrailCommand({ Name: "local-trail", S3BucketName: "local-audit" }));
  expect(created.TrailARN).toBe(`arn:aws:cloudtrail:ru-msk:${admin.accountId}:trail/local-trail`);
  expect((await ct.send(new GetTrailCommand({ Name: "local-trail" }))).Trail?.S3BucketName).toBe("local-audit");
  expect((await errorOf(ct.send(new CreateTrailCommand({ Name: "other", S3BucketName: "local-missing" })))).name).toBe("S3BucketDoesNotExistException");
  ct.destroy();
});

test("the console path (no signing key) uses the user's Active key of the bucket's project, or says none exists", async () => {
  const [row] = await h.deps.database.db.query.users.findMany({ where: (u, { and, eq }) => and(eq(u.accountId, admin.accountId), eq(u.name, "alice")) });
  const consoleCaller = await loadCaller(h.deps.database.db, row!.id, null, null);
  const trail = await createTrail(h.deps, consoleCaller, { name: "console-trail", bucket: "local-audit", startLogging: true });
  expect(trail).toMatchObject({ accessKeyId: admin.accessKeyId, isLogging: true, project: "default" });
  expect(trail.nextWindowStart!.getTime() % 300_000).toBe(0);
  await h.deps.database.db.delete(trails).where(eq(trails.name, "console-trail"));
  const noKey = await createTestUser(h, "acme", "nokey");
  await h.deps.database.db.delete(accessKeys).where(eq(accessKeys.accessKeyId, noKey.accessKeyId));
  const noKeyUser = await h.deps.database.db.query.users.findFirst({ where: (u, { eq: is }) => is(u.name, "nokey") });
  const noKeyCaller = await loadCaller(h.deps.database.db, noKeyUser!.id, null, null);
  const e = await errorOf(createTrail(h.deps, noKeyCaller, { name: "nokey-trail", bucket: "local-audit" }));
  expect(e.name).toBe("InsufficientS3BucketPolicyException");
  expect(e.message).toContain("has no active access key in project default");
});

test("a write the storage refuses is InsufficientS3BucketPolicyException", async () => {
  const refusing: ObjectStorage = {
    withCredentials: (creds) => ({
      ...h.deps.storage.withCredentials(creds),
      checkWritable: async () => {
        throw new StorageError("AccessDenied", "Access Denied", 403);
      },
    }),
    service: () => h.deps.storage.service(),
    destroy: () => {},
  };
  const caller = await loadCaller(
    h.deps.database.db,
    (await h.deps.database.db.query.users.findFirst({ where: (u, { eq }) => eq(u.name, "alice") }))!.id,
    "default",
    admin.accessKeyId,
  );
  const e = await errorOf(createTrail({ ...h.deps, storage: refusing }, caller, { name: "denied", bucket: "local-audit" }));
  expect(e.name).toBe("InsufficientS3BucketPolicyException");
  expect(e.message).toContain("local-audit");
});

describe("local buckets have owners", () => {
  test("a trail into another account's bucket, another project's bucket, the reports bucket or an unowned directory is refused", async () => {
    const mallory = await createTestUser(h, "mallory-co", "mallory");
    await h.createBucket("acme-owned-elsewhere", { account: "acme" });
    await createProject(h.deps.database.db, admin.accountId, "production");
    await h.createBucket("acme-production-audit", { account: "acme", project: "production" });
    await h.createBucket("nobodys-directory");
    const ct = cloudTrailClient(h, mallory);
    for (const [bucket, code] of [
      ["acme-owned-elsewhere", "InsufficientS3BucketPolicyException"],
      ["acme-production-audit", "InsufficientS3BucketPolicyException"],
      [h.deps.config.reportsBucket, "InsufficientS3BucketPolicyException"],
      ["nobodys-directory", "S3BucketDoesNotExistException"],
    ] as const) {
      const e = await errorOf(ct.send(new CreateTrailCommand({ Name: "steal", S3BucketName: bucket })));
      expect([bucket, e.name]).toEqual([bucket, code]);
    }
    ct.destroy();
    // acme's own key of project default cannot use the production project's bucket either.
    const acme = cloudTrailClient(h, admin);
    expect((await errorOf(acme.send(new CreateTrailCommand({ Name: "cross-project", S3BucketName: "acme-production-audit" })))).name).toBe(
      "InsufficientS3BucketPolicyException",
    );
    acme.destroy();
    // Nothing was created, and nothing was written into acme's bucket.
    expect(await h.deps.database.db.select().from(trails).where(eq(trails.name, "steal"))).toEqual([]);
    expect(await h.deps.storage.service().list("acme-owned-elsewhere", "")).toEqual([]);
  });

  test("moving a trail into a bucket that is not the project's is refused and leaves the trail as it was", async () => {
    const globex = await createTestUser(h, "globex-local", "gina");
    await h.createBucket("globex-local-audit", { account: "globex-local" });
    const ct = cloudTrailClient(h, globex);
    await ct.send(new CreateTrailCommand({ Name: "mine", S3BucketName: "globex-local-audit" }));
    for (const bucket of ["local-audit", h.deps.config.reportsBucket]) {
      expect((await errorOf(ct.send(new UpdateTrailCommand({ Name: "mine", S3BucketName: bucket })))).name).toBe("InsufficientS3BucketPolicyException");
    }
    expect((await ct.send(new GetTrailCommand({ Name: "mine" }))).Trail?.S3BucketName).toBe("globex-local-audit");
    ct.destroy();
  });

  test("a bucket is created once, for an existing project, never under the reports bucket's name", async () => {
    const maker = await ensureAccount(h.deps, "bucket-maker");
    expect(await createProjectBucket(h.deps, maker, "default", "maker-audit")).toEqual({
      bucket: "maker-audit",
      accountId: maker,
      project: "default",
    });
    for (const [args, code] of [
      [[maker, "default", "maker-audit"], "ConflictException"],
      [[admin.accountId, "default", "maker-audit"], "ConflictException"],
      [[maker, "default", h.deps.config.reportsBucket], "ConflictException"],
      [[maker, "nope", "maker-audit-2"], "NotFoundException"],
      [[testAccountId("no-such-account"), "default", "maker-audit-3"], "NotFoundException"],
      [[maker, "default", "Bad_Name"], "InvalidS3BucketNameException"],
    ] as const) {
      expect([args, (await errorOf(createProjectBucket(h.deps, args[0], args[1], args[2]))).name]).toEqual([args, code]);
    }
  });
});
