// The CloudTrail API as Cloudflare runs it: the edge bundle (`bun run edge:build`) in the workerd
// binary, against the Bun server's Postgres database and S3 endpoint, driven by the real JS SDK.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CloudTrailClient, CreateTrailCommand, ListTrailsCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { buildEdgeBundle, type EdgeBuild } from "../edge/build.ts";
import { type RunningWorkerd, startWorkerd } from "../edge/workerd.ts";
import type { Database } from "./db/client.ts";
import { insertEvents } from "./db/events.ts";
import { cloudTrailClient, createTestUser, errorOf, startTestServer, testEvent, type TestServer, type TestUser } from "./test-kit/index.ts";

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) {
  console.warn("edge.workerd.test.ts: skipped — set DATABASE_URL to a Postgres server: workerd reaches Postgres over TCP and cannot open embedded PGlite.");
}

/** The test database's own connection string (createTestDatabase made a database of its own on the server). */
function urlOf(database: Database): string {
  const o = database.pg!.options as unknown as { host: string[]; port: number[]; database: string; user: string; pass?: string | null };
  const auth = o.pass ? `${encodeURIComponent(o.user)}:${encodeURIComponent(o.pass)}` : encodeURIComponent(o.user);
  return `postgres://${auth}@${o.host[0]}:${o.port[0]}/${o.database}`;
}

describe.skipIf(!DATABASE_URL)("the CloudTrail API in workerd (needs DATABASE_URL)", () => {
  let h: TestServer;
  let outDir: string;
  let build: EdgeBuild;
  let bindings: Record<string, string | undefined>;
  const running: RunningWorkerd[] = [];
  const clients: CloudTrailClient[] = [];
  let edge: RunningWorkerd;

  /** A client of `user` against `server` (workerd or the Bun server), destroyed after the file. */
  function client(server: { url: string }, user: Pick<TestUser, "accessKeyId" | "secretAccessKey">, headers: Record<string, string> = {}) {
    const c = cloudTrailClient(server, user);
    c.middlewareStack.add(
      (next) => (args) => {
        Object.assign((args.request as { headers: Record<string, string> }).headers, headers);
        return next(args);
      },
      { step: "build" },
    );
    clients.push(c);
    return c;
  }

  async function workerd(extra: Record<string, string> = {}): Promise<RunningWorkerd> {
    const w = await startWorkerd({ bundlePath: build.path, port: 0, bindings: { ...bindings, ...extra } });
    running.push(w);
    return w;
  }

  beforeAll(async () => {
    h = await startTestServer({ storage: "s3rver" });
    outDir = mkdtempSync(join(tmpdir(), "al-edge-build-"));
    build = await buildEdgeBundle(outDir);
    bindings = {
      DATABASE_URL: urlOf(h.deps.database),
      SECRET_KEY: h.deps.config.secretKey,
      REGION: h.deps.config.region,
      S3_ENDPOINT: h.deps.config.s3Endpoint,
      S3_REGION: h.deps.config.s3Region,
      S3_FORCE_PATH_STYLE: String(h.deps.config.s3ForcePathStyle),
      LOG_LEVEL: "silent",
      CLOUDTRAIL_RATE_LIMIT: "10000/10000",
    };
    edge = await workerd();
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const w of running) await w.stop();
    await h?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  }, 30_000);

  test("the bundle reaches no Node-only module and no Bun/process global", () => {
    expect(build.errors).toEqual([]);
    expect(build.forbiddenImports).toEqual([]);
    expect(build.runtimeGlobals).toEqual([]);
  });

  test("LookupEvents pages with tokens that the Bun server and workerd both accept", async () => {
    const user = await createTestUser(h, "edge-paging", "alice");
    const now = Date.now();
    const seeded = Array.from({ length: 5 }, (_, i) => testEvent(user.accountId, now - (i + 1) * 60_000, { eventName: "StopInstances" }));
    await insertEvents(h.deps.database, seeded);
    const onEdge = client(edge, user);
    const onBun = client(h, user);
    const query = { LookupAttributes: [{ AttributeKey: "EventName" as const, AttributeValue: "StopInstances" }], MaxResults: 2 };
    const page1 = await onEdge.send(new LookupEventsCommand(query));
    const page2 = await onBun.send(new LookupEventsCommand({ ...query, NextToken: page1.NextToken }));
    const page3 = await onEdge.send(new LookupEventsCommand({ ...query, NextToken: page2.NextToken }));
    const ids = [page1, page2, page3].flatMap((p) => (p.Events ?? []).map((e) => e.EventId));
    expect(ids).toEqual(seeded.map((e) => e.eventId));
    expect(page3.NextToken).toBeUndefined();
    // The same first page from both runtimes.
    const bunPage1 = await onBun.send(new LookupEventsCommand(query));
    expect(bunPage1.Events?.map((e) => e.EventId)).toEqual(page1.Events?.map((e) => e.EventId));
  }, 30_000);

  test("requests in a row and at once each get their own database client", async () => {
    const user = await createTestUser(h, "edge-in-a-row", "alice");
    const ct = client(edge, user);
    // A client shared across requests failed every other request in workerd.
    for (let i = 0; i < 3; i++) expect((await ct.send(new ListTrailsCommand({}))).Trails).toEqual([]);
    const together = await Promise.all([1, 2, 3].map(() => ct.send(new LookupEventsCommand({ MaxResults: 1 }))));
    expect(together.every((r) => Array.isArray(r.Events))).toBe(true);
  }, 30_000);

  test("a bad signature is InvalidSignatureException, an unknown key UnrecognizedClientException", async () => {
    const user = await createTestUser(h, "edge-bad-signature", "alice");
    const forged = client(edge, { accessKeyId: user.accessKeyId, secretAccessKey: `${user.secretAccessKey.slice(0, -1)}x` });
    expect((await errorOf(forged.send(new ListTrailsCommand({})))).name).toBe("InvalidSignatureException");
    const unknown = client(edge, { accessKeyId: "AKIAEDGEUNKNOWN00000", secretAccessKey: user.secretAccessKey });
    expect((await errorOf(unknown.send(new ListTrailsCommand({})))).name).toBe("UnrecognizedClientException");
  }, 30_000);

  test("CreateTrail checks the bucket over S3: a missing one is S3BucketDoesNotExistException", async () => {
    const user = await createTestUser(h, "edge-trails", "alice");
    const ct = client(edge, user);
    const missing = await errorOf(ct.send(new CreateTrailCommand({ Name: "audit", S3BucketName: "edge-no-such-bucket" })));
    expect(missing.name).toBe("S3BucketDoesNotExistException");
    await h.createBucket("edge-audit");
    const created = await ct.send(new CreateTrailCommand({ Name: "audit", S3BucketName: "edge-audit" }));
    expect(created.Name).toBe("audit");
    expect((await client(h, user).send(new ListTrailsCommand({}))).Trails?.map((t) => t.Name)).toEqual(["audit"]);
  }, 30_000);

  test("the call is recorded with the client's address from cf-connecting-ip", async () => {
    const user = await createTestUser(h, "edge-source-ip", "alice");
    await client(edge, user, { "cf-connecting-ip": "203.0.113.7", "x-forwarded-for": "198.51.100.9" }).send(new ListTrailsCommand({}));
    const found = await client(h, user).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "ListTrails" }] }));
    expect(found.Events).toHaveLength(1);
    expect(JSON.parse(found.Events![0]!.CloudTrailEvent!).sourceIPAddress).toBe("203.0.113.7");
  }, 30_000);

  test("the rate limit is the account's across isolates: calls counted in Postgres", async () => {
    const [a, b] = await Promise.all([workerd({ CLOUDTRAIL_RATE_LIMIT: "0.001/3" }), workerd({ CLOUDTRAIL_RATE_LIMIT: "0.001/3" })]);
    const user = await createTestUser(h, "edge-rate", "alice");
    const other = await createTestUser(h, "edge-rate-other", "alice");
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: Error) => e.name,
      );
    const results = [];
    for (const w of [a, b, a, b]) results.push(await outcome(client(w, user).send(new ListTrailsCommand({}))));
    expect(results).toEqual(["ok", "ok", "ok", "ThrottlingException"]);
    // Another account has its own budget.
    expect(await outcome(client(b, other).send(new ListTrailsCommand({})))).toBe("ok");
  }, 60_000);
});
