// Unit tests of the Rules view's pure logic (src/lib/rules.ts); beside lib.test.ts, run by path.
import { expect, test } from "bun:test";
import { MAX_RULE_EVENT_NAMES } from "@activity-log/core";
import { filterFromParams, paramsFromFilter } from "../src/lib/filters.ts";
import {
  actionsProblem,
  createRuleHref,
  describeRuleFilter,
  draftFromEventsFilter,
  draftFromRuleFilter,
  eventHref,
  isMatchEverything,
  parseActions,
  ruleFilterOfDraft,
  ruleHref,
  ruleState,
  webhookUrlProblem,
} from "../src/lib/rules.ts";

test("the Events filters become a rule's filter: period dropped, Read only No → readOnly false, All → unset", () => {
  const events = filterFromParams({ range: "7d", eventName: "StopInstances", userName: "alice", errorsOnly: "true", search: "i-0db" });
  expect(ruleFilterOfDraft(draftFromEventsFilter(events))).toEqual({
    eventName: "StopInstances",
    readOnly: false,
    errorsOnly: true,
    userName: "alice",
    search: "i-0db",
  });
  expect(ruleFilterOfDraft(draftFromEventsFilter(filterFromParams({ readOnly: "all", project: "production" })))).toEqual({ project: "production" });
  expect(ruleFilterOfDraft(draftFromEventsFilter(filterFromParams({ readOnly: "true" })))).toEqual({ readOnly: true });
});

test("one action is eventName, several are eventNames; a stored filter round-trips through the form", () => {
  const tampering = { eventNames: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"] };
  const draft = draftFromRuleFilter(tampering);
  expect(draft.fields.readOnly).toBe("all");
  expect(draft.actions).toEqual(tampering.eventNames);
  expect(ruleFilterOfDraft(draft)).toEqual(tampering);
  const single = { eventName: "TerminateInstances", project: "production", readOnly: false, resourceType: "AWS::EC2::Instance" };
  expect(ruleFilterOfDraft(draftFromRuleFilter(single))).toEqual(single);
  // eventName and eventNames together (set through the API) show as one list of actions, each once.
  expect(draftFromRuleFilter({ eventName: "A", eventNames: ["A", "B"] }).actions).toEqual(["A", "B"]);
  // Blank text fields are not sent.
  expect(ruleFilterOfDraft({ fields: { readOnly: "all", errorsOnly: false, userName: "  " }, actions: [] })).toEqual({});
});

test("actions are typed separated by commas or spaces, each once, at most 20", () => {
  expect(parseActions(" StopLogging, DeleteTrail,,DeleteTrail  UpdateTrail ")).toEqual(["StopLogging", "DeleteTrail", "UpdateTrail"]);
  expect(parseActions("")).toEqual([]);
  const many = Array.from({ length: MAX_RULE_EVENT_NAMES + 1 }, (_, i) => `Action${i}`);
  expect(actionsProblem(many.slice(0, MAX_RULE_EVENT_NAMES))).toBeNull();
  expect(actionsProblem(many)).toContain("at most 20");
});

test("a rule without any attribute matches everything and is flagged", () => {
  expect(isMatchEverything({})).toBe(true);
  expect(isMatchEverything({ readOnly: false })).toBe(true);
  expect(isMatchEverything({ eventName: "StopLogging" })).toBe(false);
});

test("webhook URLs are checked as you type; the server has the last word", () => {
  expect(webhookUrlProblem("")).toContain("Enter the URL");
  expect(webhookUrlProblem("hooks.example.com")).toContain("full URL");
  expect(webhookUrlProblem("ftp://hooks.example.com/x")).toContain("https://");
  expect(webhookUrlProblem("https://user:pw@hooks.example.com/x")).toContain("user name and password");
  expect(webhookUrlProblem("https://hooks.example.com/x")).toBeNull();
  expect(webhookUrlProblem("http://127.0.0.1:9000/hook")).toBeNull();
});

test("a rule's state: paused before disabled before failing", () => {
  const base = { enabled: true, paused: false, lastDelivery: null, lastError: null };
  expect(ruleState(base)).toBe("enabled");
  expect(ruleState({ ...base, lastDelivery: { status: "failed" } })).toBe("failing");
  expect(ruleState({ ...base, lastDelivery: { status: "delivered" }, lastError: { at: "2026-11-24T00:00:00Z" } })).toBe("enabled");
  expect(ruleState({ ...base, enabled: false, lastDelivery: { status: "failed" } })).toBe("disabled");
  expect(ruleState({ ...base, enabled: false, paused: true })).toBe("paused");
});

test("links: the create form from the Events filters (period and open event left out), the log, an event", () => {
  const href = createRuleHref(paramsFromFilter(filterFromParams({ range: "7d", eventName: "StopInstances", errorsOnly: "true" })));
  const url = new URL(href, "http://x");
  expect(url.pathname).toBe("/rules");
  expect(Object.fromEntries(url.searchParams)).toEqual({ create: "1", eventName: "StopInstances", errorsOnly: "true" });
  expect(createRuleHref({ range: "custom", start: "2026-11-01T00:00:00Z", event: "abc", readOnly: "all" })).toBe("/rules?create=1&readOnly=all");
  expect(ruleHref("a.b_c")).toBe("/rules/a.b_c");
  expect(eventHref("2b7c-1")).toBe("/events?event=2b7c-1");
});

test("a rule's filter in one line", () => {
  expect(describeRuleFilter({ eventNames: ["StopLogging", "DeleteTrail"] })).toBe("Action: StopLogging or DeleteTrail · Read only: All");
  expect(describeRuleFilter({ eventName: "ConsoleLogin", errorsOnly: true, readOnly: false })).toBe("Action: ConsoleLogin · Read only: No · Errors only");
});
