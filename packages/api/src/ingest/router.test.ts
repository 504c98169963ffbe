import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../db/client.ts";
import { getEvent } from "../db/events.ts";
import { nativeQuery } from "../db/rows.ts";
import { appWith, eventsTestDeps, seedAccount, TEST_INGEST_TOKEN } from "../test/events-app.ts";
import { createTestDatabase } from "../test-kit/database.ts";
import { ingestRouter, MAX_INGEST_BYTES } from "./router.ts";

let database: Database;
let app: ReturnType<typeof appWith>;
beforeAll(async () => {
  database = await createTestDatabase();
  app = appWith(eventsTestDeps(database));
  app.route("/internal/v1/events", ingestRouter());
  await seedAccount(database, "acme", ["default", "web"]);
});
afterAll(() => database.close());

let n = 0;
const event = (over: Record<string, unknown> = {}) => ({
  eventID: `in-${++n}`,
  eventTime: "2026-11-24T10:00:00Z",
  eventName: "RunInstances",
  eventSource: "ec2.amazonaws.com",
  recipientAccountId: "acme",
  project: "default",
  userName: "alice",
  requestParameters: { instanceType: "m1.small" },
  ...over,
});

function post(body: string | object, headers: Record<string, string> = {}) {
  return app.request("/internal/v1/events", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const count = async (account = "acme") =>
  Number((await nativeQuery<{ n: string }>(database, `select count(*) as n from events where account_id = $1`, [account]))[0]!.n);

describe("authentication", () => {
  test.each([[{ authorization: "" }], [{ authorization: "Bearer wrong-token" }], [{ authorization: `Basic ${TEST_INGEST_TOKEN}` }]])(
    "refused with %j",
    async (headers) => {
      const res = await post({ events: [event()] }, headers);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("UnauthorizedException");
    },
  );
});

describe("batches", () => {
  test("JSON batch is stored and re-sending it stores nothing twice", async () => {
    const batch = { events: [event({ eventID: "idem-1" }), event({ eventID: "idem-2", project: "web" })] };
    let res = await post(batch);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    res = await post(batch);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 2 });
    const stored = await getEvent(database, "acme", "idem-2");
    expect(stored?.project).toBe("web");
    expect(stored?.readOnly).toBe(false);
  });

  test("NDJSON batch", async () => {
    const body = `${JSON.stringify(event({ eventID: "nd-1" }))}\n\n${JSON.stringify(event({ eventID: "nd-2", eventName: "DescribeInstances" }))}\n`;
    const res = await post(body, { "content-type": "application/x-ndjson" });
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await getEvent(database, "acme", "nd-2"))?.readOnly).toBe(true);
  });

  test("an invalid event refuses the whole batch, naming each index and field", async () => {
    const before = await count();
    const res = await post({ events: [event({ eventID: "ok-but-refused" }), event({ eventTime: "yesterday" }), event({ userName: 7, project: "" })] });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe("ValidationException");
    const where = body.errors.map((e: { index: number; field: string }) => `${e.index}:${e.field}`);
    expect(where).toEqual(expect.arrayContaining(["1:eventTime", "2:userName", "2:project"]));
    expect(where.some((w: string) => w.startsWith("0:"))).toBe(false);
    expect(body.message).toContain("events[1].eventTime");
    expect(await count()).toBe(before);
  });

  test("NUL characters are refused with a 400, not a database error", async () => {
    const res = await post({ events: [event({ userName: "a\u0000b" })] });
    expect(res.status).toBe(400);
  });

  test("unknown account or project → 422 naming them, nothing stored", async () => {
    const before = await count();
    const res = await post({ events: [event(), event({ recipientAccountId: "nobody" }), event({ project: "ghost" })] });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.message).toContain("unknown account 'nobody'");
    expect(body.message).toContain("unknown project 'ghost' in account 'acme'");
    expect(await count()).toBe(before);
  });

  test("malformed bodies", async () => {
    for (const body of ["{not json", JSON.stringify({ nope: [] }), "[]"]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe("SerializationException");
    }
    const res = await post('{"a":1}\nnot json', { "content-type": "application/x-ndjson" });
    expect((await res.json()).message).toContain("Line 2");
  });

  test("more than 1000 events → 413", async () => {
    const res = await post({ events: Array.from({ length: 1001 }, () => event()) });
    expect(res.status).toBe(413);
  });

  test("more than 5 MB → 413", async () => {
    const big = "x".repeat(MAX_INGEST_BYTES);
    const res = await post({ events: [event({ errorMessage: big })] });
    expect(res.status).toBe(413);
  });

  test("a large valid batch of 1000 is accepted whole", async () => {
    const res = await post({ events: Array.from({ length: 1000 }, (_, i) => event({ eventTime: new Date(Date.UTC(2026, 10, 23, 0, 0, i)).toISOString() })) });
    expect(await res.json()).toEqual({ accepted: 1000, duplicates: 0 });
  });
});

describe("event times", () => {
  test("a batch with an event older than retention or far in the future is refused whole", async () => {
    const before = await count();
    const now = eventsTestDeps(database).clock.now();
    const res = await post({
      events: [
        event({ eventID: "time-ok" }),
        event({ eventID: "time-old", eventTime: new Date(now.getTime() - 31 * 86_400_000).toISOString() }),
        event({ eventID: "time-ahead", eventTime: new Date(now.getTime() + 3_600_000).toISOString() }),
      ],
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.errors.map((e: { index: number; field: string }) => [e.index, e.field])).toEqual([
      [1, "eventTime"],
      [2, "eventTime"],
    ]);
    expect(body.message).toContain("older than the account's retention of 30 days");
    expect(await count()).toBe(before);
  });
});
