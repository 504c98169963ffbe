import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSecretBox } from "../auth/secret-box.ts";
import { fixedClock } from "../clock.ts";
import { insertEvents } from "../db/events.ts";
import { createTestDeps, type TestDeps, testEvent } from "../test-kit/index.ts";
import { queryEventPage } from "./query-service.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const MIN = 60_000;
const DAY = 86_400_000;
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps({ clock: fixedClock(new Date(NOW)) });
  const { database } = deps;
  // 25 events one minute apart, plus two sharing one instant (tie broken by event id).
  const batch = Array.from({ length: 25 }, (_, i) => testEvent("pager", NOW - (i + 1) * MIN));
  batch.push(testEvent("pager", NOW - 30 * MIN, { eventId: "tie-a" }), testEvent("pager", NOW - 30 * MIN, { eventId: "tie-b" }));
  batch.push(testEvent("pager", NOW - 31 * MIN, { userName: "bob" }));
  await insertEvents(database, batch);
  await insertEvents(database, [testEvent("retained", NOW - 2 * DAY), testEvent("retained", NOW - 10 * DAY), testEvent("retained", NOW - 40 * DAY)]);
});
afterAll(() => deps.cleanup());

describe("paging", () => {
  test("pages cover every event exactly once, newest first, despite concurrent inserts", async () => {
    const seen: string[] = [];
    let page = await queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: {}, maxResults: 10 });
    seen.push(...page.events.map((e) => e.eventId));
    // Events arriving between pages: newer than the pinned end, and one inside the window.
    deps.clock.advance(5 * MIN);
    await insertEvents(deps.database, [testEvent("pager", NOW + MIN, { eventId: "late-new" })]);
    while (page.nextToken) {
      page = await queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: {}, maxResults: 10, nextToken: page.nextToken });
      seen.push(...page.events.map((e) => e.eventId));
    }
    expect(seen.length).toBe(28);
    expect(new Set(seen).size).toBe(28);
    expect(seen).not.toContain("late-new");
    expect(seen.indexOf("tie-b")).toBe(seen.indexOf("tie-a") - 1);
    deps.clock.set(new Date(NOW));
  });

  test("the last page has no token", async () => {
    const page = await queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: { userName: "bob" }, maxResults: 1 });
    expect(page.events.length).toBe(1);
    expect(page.nextToken).toBeUndefined();
  });

  test("MaxResults out of range", async () => {
    for (const maxResults of [0, 1001, 2.5])
      await expect(queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: {}, maxResults })).rejects.toMatchObject({
        code: "InvalidMaxResultsException",
      });
  });

  test("search shorter than 3 characters is refused", async () => {
    await expect(queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: { search: "ab" }, maxResults: 5 })).rejects.toMatchObject({
      code: "InvalidParameterException",
    });
  });
});

describe("page tokens", () => {
  let token: string;
  beforeAll(async () => {
    const page = await queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: { eventName: "RunInstances" }, maxResults: 5 });
    token = page.nextToken!;
    expect(token).toBeString();
  });
  const next = (over: Partial<Parameters<typeof queryEventPage>[1]>) =>
    queryEventPage(deps, { accountId: "pager", retentionDays: 30, filter: { eventName: "RunInstances" }, maxResults: 5, nextToken: token, ...over });

  test("accepted with the same parameters", async () => {
    expect((await next({})).events.length).toBe(5);
  });
  test.each([
    ["another account", { accountId: "retained" }],
    ["another filter", { filter: { eventName: "StopInstances" } }],
    ["another start", { start: new Date(NOW - DAY) }],
  ])("refused for %s", async (_, over) => {
    await expect(next(over)).rejects.toMatchObject({ code: "InvalidNextTokenException" });
  });
  test("refused when tampered or foreign", async () => {
    const [data, sig] = token.split(".");
    const payload = JSON.parse(Buffer.from(data!, "base64url").toString());
    payload.lastTime = new Date(NOW).toISOString();
    const forged = `${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${sig}`;
    const foreign = createSecretBox("another-secret-key-xxxxxxxx");
    const foreignToken = `${data}.${foreign.sign(data!)}`;
    for (const nextToken of [forged, foreignToken, "garbage", `${token}x`])
      await expect(next({ nextToken })).rejects.toMatchObject({ code: "InvalidNextTokenException" });
  });
});

describe("retention", () => {
  const ids = async (req: Partial<Parameters<typeof queryEventPage>[1]>) =>
    (await queryEventPage(deps, { accountId: "retained", retentionDays: 30, filter: {}, maxResults: 50, ...req })).events.map((e) =>
      Math.round((NOW - e.eventTime.getTime()) / DAY),
    );
  test("nothing older than the account's retention shows, whatever is asked", async () => {
    expect(await ids({})).toEqual([2, 10]);
    expect(await ids({ start: new Date(NOW - 60 * DAY) })).toEqual([2, 10]);
    expect(await ids({ retentionDays: 7 })).toEqual([2]);
  });
  test("a window entirely before retention is empty", async () => {
    const page = await queryEventPage(deps, {
      accountId: "retained",
      retentionDays: 30,
      filter: {},
      maxResults: 50,
      start: new Date(NOW - 50 * DAY),
      end: new Date(NOW - 35 * DAY),
    });
    expect(page.events).toEqual([]);
  });
  test("start after end is refused", async () => {
    await expect(ids({ start: new Date(NOW - DAY), end: new Date(NOW - 2 * DAY) })).rejects.toMatchObject({ code: "InvalidTimeRangeException" });
  });
  test("a token keeps clamping to retention as time passes", async () => {
    const first = await queryEventPage(deps, { accountId: "retained", retentionDays: 30, filter: {}, maxResults: 1 });
    expect(first.nextToken).toBeString();
    deps.clock.advance(25 * DAY); // the 10-day-old event is now 35 days old
    const second = await queryEventPage(deps, { accountId: "retained", retentionDays: 30, filter: {}, maxResults: 1, nextToken: first.nextToken });
    deps.clock.set(new Date(NOW));
    expect(second.events).toEqual([]);
  });
});
