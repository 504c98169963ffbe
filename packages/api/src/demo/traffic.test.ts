import { describe, expect, test } from "bun:test";
import { DEMO_STORY, generateDemoTraffic } from "./traffic.ts";

const now = new Date("2026-11-24T10:00:00Z");
const keys = { admin: "AKIAADMIN00000000000", deployBotProduction: "AKIABOTPROD000000000", deployBotStaging: "AKIABOTSTG0000000000" };
const DAY = 86_400_000;
const events = generateDemoTraffic({ accountId: "demo", now, accessKeys: keys });

describe("demo traffic", () => {
  test("is deterministic for a seed and a clock, and different for another seed", () => {
    const again = generateDemoTraffic({ accountId: "demo", now, accessKeys: keys });
    expect(again.length).toBe(events.length);
    expect(again.slice(0, 50)).toEqual(events.slice(0, 50));
    const other = generateDemoTraffic({ accountId: "demo", now, accessKeys: keys, seed: 7 });
    expect(other[0]!.eventId).not.toBe(events[0]!.eventId);
  });

  test("has the size, read-only share and errors the demo needs", () => {
    expect(events.length).toBeGreaterThan(20_000);
    expect(events.length).toBeLessThan(40_000);
    const readOnly = events.filter((e) => e.readOnly).length / events.length;
    expect(readOnly).toBeGreaterThan(0.72);
    expect(readOnly).toBeLessThan(0.88);
    const codes = new Set(events.map((e) => e.errorCode).filter(Boolean));
    expect(codes).toContain("Client.UnauthorizedOperation");
    expect(codes).toContain("Client.IncorrectInstanceState");
    expect(events.some((e) => e.eventType === "AwsConsoleSignIn")).toBe(true);
    expect(events.some((e) => e.eventType === "AwsConsoleSignOut")).toBe(true);
    expect(new Set(events.map((e) => e.project))).toEqual(new Set(["default", "production", "staging"]));
    expect(new Set(events.map((e) => e.userName))).toEqual(new Set(["admin", "alice", "bob", "carol", "deploy-bot", "system"]));
  });

  test("stays inside the retention window, in one account, with unique ids", () => {
    for (const e of events) {
      expect(e.accountId).toBe("demo");
      expect(e.eventTime.getTime()).toBeGreaterThan(now.getTime() - 30 * DAY);
      expect(e.eventTime.getTime()).toBeLessThan(now.getTime());
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  test("read-only events have no response elements; failed ones neither", () => {
    for (const e of events) if (e.readOnly || (e.errorCode && e.eventType === "AwsApiCall")) expect(e.responseElements).toBeNull();
  });

  test("uses EC2-style resource ids, the keys given, and ids in requestParameters become resources", () => {
    const ids = events.flatMap((e) => e.resourceIds);
    expect(ids.some((id) => /^i-0[0-9a-f]{16}$/.test(id))).toBe(true);
    expect(ids.some((id) => /^vol-0[0-9a-f]{16}$/.test(id))).toBe(true);
    expect(ids.some((id) => /^sg-0[0-9a-f]{16}$/.test(id))).toBe(true);
    expect(new Set(events.map((e) => e.accessKeyId).filter(Boolean))).toEqual(new Set(Object.values(keys)));
    const run = events.find((e) => e.eventName === "RunInstances" && !e.errorCode)!;
    expect(run.resources.some((r) => r.type === "AWS::EC2::Instance")).toBe(true);
  });

  test("use case 1: the production databases were stopped last week, by alice", () => {
    const weekAgo = now.getTime() - 7 * DAY;
    const stops = events.filter((e) => e.eventName === "StopInstances" && !e.errorCode && e.eventTime.getTime() > weekAgo);
    const dbStop = stops.find((e) => DEMO_STORY.stoppedDatabases.every((id) => e.resourceIds.includes(id)));
    expect(dbStop?.userName).toBe(DEMO_STORY.stoppedBy);
    expect(dbStop?.project).toBe("production");
    expect(stops.length).toBeGreaterThan(1); // among other, ordinary stops
  });

  test("use case 2: production instance i-0abc… was terminated two weeks ago, by carol after bob was refused", () => {
    const terminations = events.filter((e) => e.eventName === "TerminateInstances" && e.resourceIds.includes(DEMO_STORY.terminatedInstance));
    expect(terminations.map((e) => [e.userName, e.errorCode])).toEqual([
      ["bob", "Client.UnauthorizedOperation"],
      [DEMO_STORY.terminatedBy, null],
    ]);
    const daysAgo = (now.getTime() - terminations[1]!.eventTime.getTime()) / DAY;
    expect(daysAgo).toBeGreaterThan(13);
    expect(daysAgo).toBeLessThan(15);
    // Nothing touches the instance after it is gone.
    const after = events.filter((e) => e.resourceIds.includes(DEMO_STORY.terminatedInstance) && e.eventTime > terminations[1]!.eventTime);
    expect(after).toEqual([]);
  });
});
