import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { EventFilter, RuleFilter } from "@activity-log/core";
import { createTestDeps, ensureAccount, T0, type TestDeps, testEvent } from "../test-kit/index.ts";
import { findEventPage, insertEvents } from "./events.ts";
import { matchRules } from "./rule-matching.ts";
import { insertRule, listRuleDeliveries } from "./rules.ts";

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.cleanup();
});

const window = { start: new Date(T0.getTime() - 3_600_000), end: new Date(T0.getTime() + 3_600_000) };

/** The filters to compare: every attribute, case, absence, and the stored-search-text subtleties. */
const FILTERS: RuleFilter[] = [
  {},
  { eventName: "TerminateInstances" },
  { eventName: "terminateinstances" },
  { eventNames: ["StopLogging", "DeleteTrail"] },
  { eventNames: ["StopLogging"], userName: "bob" },
  { readOnly: true },
  { readOnly: false },
  { userName: "Bob" },
  { userName: "bob" },
  { eventSource: "cloudtrail.amazonaws.com" },
  { accessKeyId: "AKIAEXAMPLE" },
  { project: "production" },
  { errorsOnly: true },
  { errorsOnly: true, eventName: "ConsoleLogin" },
  { resourceName: "i-0abc" },
  { resourceName: "i-0ab" },
  { resourceType: "AWS::EC2::Instance" },
  { resourceType: "AWS::EC2" },
  { search: "i-0ab" },
  { search: "I-0AB" },
  { search: '"zeta":"1","alpha"' },
  { search: "100%" },
  { search: "a_b" },
  { search: "Ünï" },
  { project: "production", eventName: "TerminateInstances", readOnly: false },
];

describe("ruleMatches agrees with the events query on every attribute", () => {
  test("the deliveries of each rule are exactly the events the Events view finds for its filter", async () => {
    const acct = await ensureAccount(deps, "matching-agreement", { projects: ["production"] });
    const rules = [];
    for (const [i, filter] of FILTERS.entries()) {
      rules.push(
        await insertRule(
          deps.database.db,
          { accountId: acct, name: `rule-${i}`, filter, url: "https://hooks.example.com/", secretSealed: "x", secretHint: "x", enabled: true, now: T0 },
          100,
        ),
      );
    }
    const e = (over: Parameters<typeof testEvent>[2]) => testEvent(acct, T0, over);
    await insertEvents(deps.database, [
      e({ eventName: "TerminateInstances", project: "production", resources: [{ type: "AWS::EC2::Instance", name: "i-0abc" }], resourceIds: ["i-0abc"] }),
      e({ eventName: "TerminateInstances", project: "default", readOnly: false }),
      e({ eventName: "DescribeInstances", readOnly: true, userName: "Bob" }),
      e({ eventName: "StopLogging", eventSource: "cloudtrail.amazonaws.com", userName: "bob", accessKeyId: "AKIAEXAMPLE" }),
      e({ eventName: "DeleteTrail", eventSource: "cloudtrail.amazonaws.com", errorCode: "TrailNotFoundException", errorMessage: "no" }),
      e({ eventName: "ConsoleLogin", errorCode: "FailedAuthentication", eventSource: "signin.amazonaws.com" }),
      e({ eventName: "ConsoleLogin", eventSource: "signin.amazonaws.com" }),
      // jsonb reorders keys ("alpha" before "zeta"): the search must look at the text stored at ingest.
      e({ eventName: "PutObject", requestParameters: { zeta: "1", alpha: "2" } }),
      e({ eventName: "PutObject", requestParameters: { note: "100% a_b Ünïcode", other: "abb" } }),
      e({ eventName: "AttachVolume", resources: [{ type: "AWS::EC2::Volume", name: "vol-1" }], resourceIds: ["vol-1"] }),
    ]);
    await matchRules(deps.database, T0, "ru-msk");
    const counts: number[] = [];
    for (const [i, filter] of FILTERS.entries()) {
      const delivered = (await listRuleDeliveries(deps.database.db, acct, rules[i]!.id, 1000)).map((d) => d.eventId).sort();
      const { eventNames, ...rest } = filter;
      const query = async (f: EventFilter) =>
        (await findEventPage(deps.database, { accountId: acct, filter: f, window, limit: 1000 }))
          .map((r) => r.event)
          .filter((ev) => !/Rule/.test(ev.eventName))
          .map((ev) => ev.eventId);
      const expected = eventNames ? (await Promise.all(eventNames.map((n) => query({ ...rest, eventName: n })))).flat() : await query(rest);
      const viaSql = rest.eventName !== undefined && eventNames ? expected.filter(() => eventNames.includes(rest.eventName!)) : expected;
      expect({ filter, ids: delivered }).toEqual({ filter, ids: [...new Set(viaSql)].sort() });
      counts.push(delivered.length);
    }
    // The cases discriminate: per filter, how many of the 10 events match.
    expect(counts).toEqual([10, 2, 0, 2, 1, 1, 9, 1, 1, 2, 1, 1, 2, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1]);
  });
});
