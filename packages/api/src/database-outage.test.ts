/**
 * The database goes away and comes back (issue: clear 503s and fast recovery). A Postgres cluster
 * of this test's own is stopped as a crash would stop it, while the service keeps serving:
 * liveness stays 200, readiness says 503, every request that needs the database answers a
 * retryable 503 within seconds, and the first requests after the restart succeed.
 */
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  cloudTrailClient,
  createTestUser,
  startTestServer,
  startThrowawayPostgres,
  TEST_INGEST_TOKEN,
  TEST_OPERATOR_TOKEN,
  type TestServer,
  type TestUser,
  testIngestEvent,
  type ThrowawayPostgres,
} from "./test-kit/index.ts";

/** The bound for every answer while the database is down, and for the first ones after. */
const BOUND_MS = 5_000;

const cluster = await startThrowawayPostgres();
const unavailable = "unavailable" in cluster ? cluster.unavailable : undefined;
if (unavailable) console.warn(`skipping the database outage tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)("database down and back", () => {
  const pg = cluster as ThrowawayPostgres;
  let server: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ storage: "local", database: await pg.openDatabase() });
    user = await createTestUser(server, `outage${Math.random().toString(36).slice(2, 8)}`, "alice");
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await server?.deps.database.close();
    await pg.destroy();
  }, 60_000);

  /** Runs one request and checks it answered within the bound. */
  async function timed<T>(what: string, request: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await request();
    const ms = performance.now() - started;
    if (ms > BOUND_MS) throw new Error(`${what} took ${Math.round(ms)} ms`);
    return result;
  }

  const lookup = () => cloudTrailClient(server, user).send(new LookupEventsCommand({ MaxResults: 1 }));
  const ingestOne = (eventId: string) =>
    fetch(`${server.url}/internal/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ events: [testIngestEvent({ eventID: eventId, recipientAccountId: user.accountId })] }),
    });
  const signIn = () =>
    fetch(`${server.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account: user.alias, user: "alice", password: "not-the-password" }),
    });
  const createAccount = () =>
    fetch(`${server.url}/internal/v1/operator/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ account: `outage${Math.random().toString(36).slice(2, 8)}` }),
    });

  async function expectUnavailableJson(res: Response) {
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: "ServiceUnavailableException", message: expect.stringContaining("database") });
  }

  test("while up: live, ready, serving", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    expect((await lookup()).$metadata.httpStatusCode).toBe(200);
    expect((await ingestOne(crypto.randomUUID())).status).toBe(200);
  });

  test("down: liveness 200, readiness and every database request 503 with Retry-After, within seconds; back: served at once", async () => {
    await pg.stop();
    try {
      const live = await timed("/healthz", () => fetch(`${server.url}/healthz`));
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: "ok" });
      await expectUnavailableJson(await timed("/readyz", () => fetch(`${server.url}/readyz`)));

      // The CloudTrail API: AWS's shape, a status the SDKs retry, and the header.
      const error = await timed("LookupEvents", () =>
        lookup().then(
          () => null,
          (e: unknown) => e,
        ),
      );
      expect(error).toMatchObject({ name: "ServiceUnavailableException", $metadata: { httpStatusCode: 503 } });
      const response = (error as { $response?: { headers: Record<string, string> } }).$response;
      expect(Number(response?.headers["retry-after"])).toBeGreaterThan(0);

      await expectUnavailableJson(await timed("ingest", () => ingestOne(crypto.randomUUID())));
      await expectUnavailableJson(await timed("console sign-in", signIn));
      await expectUnavailableJson(await timed("operator", createAccount));
      // Repeated attempts do not pile up into longer waits.
      for (let i = 0; i < 5; i++) expect((await timed("ingest again", () => ingestOne(crypto.randomUUID()))).status).toBe(503);
    } finally {
      await pg.start();
    }

    // Back: the very first requests succeed, promptly.
    expect((await timed("LookupEvents after restart", lookup)).$metadata.httpStatusCode).toBe(200);
    const eventId = crypto.randomUUID();
    const stored = await timed("ingest after restart", () => ingestOne(eventId));
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect((await timed("/readyz after restart", () => fetch(`${server.url}/readyz`))).status).toBe(200);
    expect((await timed("sign-in after restart", signIn)).status).toBe(401);
  }, 120_000);
});
