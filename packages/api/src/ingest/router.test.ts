import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixedClock } from "../clock.ts";
import { getEvent } from "../db/events.ts";
import { nativeQuery } from "../db/rows.ts";
import { createTestDeps, seedAccount, TEST_INGEST_TOKEN, type TestApp, testApp, type TestDeps, testIngestEvent } from "../test-kit/index.ts";
import { ingestRouter } from "./router.ts";
import { MAX_INGEST_BYTES } from "@activity-log/core";

let deps: TestDeps;
let app: TestApp;
beforeAll(async () => {
  deps = await createTestDeps({ clock: fixedClock(new Date("2026-11-24T12:00:00Z")) });
  app = testApp(deps, (app) => app.route("/internal/v1/events", ingestRouter()));
  acme = await seedAccount(deps, "acme", ["default", "web"]);
});
let acme: string;
afterAll(() => deps.cleanup());

function post(body: string | object, headers: Record<string, string> = {}) {
  return app.request("/internal/v1/events", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const count = async (account = acme) =>
  Number((await nativeQuery<{ n: string }>(deps.database, `select count(*) as n from events where account_id = $1`, [account]))[0]!.n);

describe("authentication", () => {
  test.each([[{ authorization: "" }], [{ authorization: "Bearer wrong-token" }], [{ authorization: `Basic ${TEST_INGEST_TOKEN}` }]])(
    "refused with %j",
    async (headers) => {
      const res = await post({ events: [testIngestEvent()] }, headers);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("UnauthorizedException");
    },
  );
});

describe("batches", () => {
  test("JSON batch is stored and re-sending it stores nothing twice", async () => {
    const batch = { events: [testIngestEvent({ eventID: "idem-1" }), testIngestEvent({ eventID: "idem-2", project: "web" })] };
    let res = await post(batch);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    res = await post(batch);
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 2 });
    const stored = await getEvent(deps.database, acme, "idem-2");
    expect(stored?.project).toBe("web");
    expect(stored?.readOnly).toBe(false);
  });

  test("the recipient is named by 12-digit id or by alias; the event is stored under the id", async () => {
    const res = await post({
      events: [testIngestEvent({ eventID: "by-id", recipientAccountId: acme }), testIngestEvent({ eventID: "by-alias", recipientAccountId: "acme" })],
    });
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await getEvent(deps.database, acme, "by-id"))?.accountId).toBe(acme);
    expect((await getEvent(deps.database, acme, "by-alias"))?.accountId).toBe(acme);
    const unknownId = await post({ events: [testIngestEvent({ recipientAccountId: "000000000001" })] });
    expect(unknownId.status).toBe(422);
    expect(await unknownId.text()).toContain("unknown account '000000000001'");
  });

  test("NDJSON batch", async () => {
    const body = `${JSON.stringify(testIngestEvent({ eventID: "nd-1" }))}\n\n${JSON.stringify(testIngestEvent({ eventID: "nd-2", eventName: "DescribeInstances" }))}\n`;
    const res = await post(body, { "content-type": "application/x-ndjson" });
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await getEvent(deps.database, acme, "nd-2"))?.readOnly).toBe(true);
  });

  test("an invalid event refuses the whole batch, naming each index and field", async () => {
    const before = await count();
    const res = await post({
      events: [testIngestEvent({ eventID: "ok-but-refused" }), testIngestEvent({ eventTime: "yesterday" }), testIngestEvent({ userName: 7, project: "" })],
    });
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
    const res = await post({ events: [testIngestEvent({ userName: "a\u0000b" })] });
    expect(res.status).toBe(400);
  });

  test("unknown account or project → 422 naming them, nothing stored", async () => {
    const before = await count();
    const res = await post({ events: [testIngestEvent(), testIngestEvent({ recipientAccountId: "nobody" }), testIngestEvent({ project: "ghost" })] });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.message).toContain("unknown account 'nobody'");
    expect(body.message).toContain(`unknown project 'ghost' in account '${acme}'`);
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
    const res = await post({ events: Array.from({ length: 1001 }, () => testIngestEvent()) });
    expect(res.status).toBe(413);
  });

  test("more than 5 MB → 413", async () => {
    const big = "x".repeat(MAX_INGEST_BYTES);
    const res = await post({ events: [testIngestEvent({ errorMessage: big })] });
    expect(res.status).toBe(413);
  });

  test("a large valid batch of 1000 is accepted whole", async () => {
    const res = await post({
      events: Array.from({ length: 1000 }, (_, i) => testIngestEvent({ eventTime: new Date(Date.UTC(2026, 10, 23, 0, 0, i)).toISOString() })),
    });
    expect(await res.json()).toEqual({ accepted: 1000, duplicates: 0 });
  });
});

describe("event times", () => {
  test("a batch with an event older than retention or far in the future is refused whole", async () => {
    const before = await count();
    const now = deps.clock.now();
    const res = await post({
      events: [
        testIngestEvent({ eventID: "time-ok" }),
        testIngestEvent({ eventID: "time-old", eventTime: new Date(now.getTime() - 31 * 86_400_000).toISOString() }),
        testIngestEvent({ eventID: "time-ahead", eventTime: new Date(now.getTime() + 3_600_000).toISOString() }),
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
