// Trails against the embedded directory store (no S3 endpoint), and the trail service's bucket-check
// mapping for a write the storage refuses (which neither s3rver nor a root-owned directory can produce).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { CreateTrailCommand, GetTrailCommand } from "@aws-sdk/client-cloudtrail";
import { eq } from "drizzle-orm";
import { loadCaller } from "../db/iam.ts";
import { accessKeys } from "../db/schema/iam.ts";
import { trails } from "../db/schema/trails.ts";
import { StorageError, type ObjectStorage } from "../storage/object-store.ts";
import { createTrail } from "../trails/service.ts";
import { cloudTrailClient, createTestUser, errorOf, startTestServer, type TestServer, type TestUser } from "../test-kit/index.ts";

let h: TestServer;
let admin: TestUser;

beforeAll(async () => {
  h = await startTestServer({ storage: "local" });
  admin = await createTestUser(h, "acme", "alice");
  await h.createBucket("local-audit");
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

test("CreateTrail writes its probe into the local bucket directory; a missing one is S3BucketDoesNotExistException", async () => {
  const ct = cloudTrailClient(h, admin);
  const created = await ct.send(new CreateTrailCommand({ Name: "local-trail", S3BucketName: "local-audit" }));
  expect(created.TrailARN).toBe("arn:aws:cloudtrail:ru-msk:acme:trail/local-trail");
  expect((await ct.send(new GetTrailCommand({ Name: "local-trail" }))).Trail?.S3BucketName).toBe("local-audit");
  expect((await errorOf(ct.send(new CreateTrailCommand({ Name: "other", S3BucketName: "local-missing" })))).name).toBe("S3BucketDoesNotExistException");
  ct.destroy();
});

test("the console path (no signing key) uses the user's Active key of the bucket's project, or says none exists", async () => {
  const [row] = await h.deps.database.db.query.users.findMany({ where: (u, { and, eq }) => and(eq(u.accountId, "acme"), eq(u.name, "alice")) });
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
