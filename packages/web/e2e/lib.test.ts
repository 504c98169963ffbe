// Unit tests of the SPA's pure logic (src/lib/*.ts); here because bunfig ignores packages/web/** for `bun test`.
import { expect, test } from "bun:test";
import { facetsNote } from "../src/lib/facets.ts";
import {
  apiFilterOf,
  chipsOf,
  clearFilters,
  customRangeProblem,
  filterFromParams,
  isWidest,
  paramsFromFilter,
  periodOf,
  searchProblem,
  widest,
  zoomTo,
} from "../src/lib/filters.ts";
import {
  formatBytes,
  formatCountdown,
  formatTick,
  formatTime,
  fromInputTime,
  PRETTY_INDENT_DEPTH,
  prettyJson,
  toInputTime,
  zoneLabel,
} from "../src/lib/format.ts";
import { nearEnd, visibleRows } from "../src/lib/virtual-rows.ts";

const now = new Date("2026-11-24T12:00:00Z");

test("filters round-trip through the URL; defaults stay out of it", () => {
  const f = filterFromParams({ range: "7d", eventName: "StopInstances", readOnly: "all", errorsOnly: "true" });
  expect(f).toEqual({ range: "7d", readOnly: "all", errorsOnly: true, eventName: "StopInstances" });
  expect(filterFromParams(paramsFromFilter(f))).toEqual(f);
  expect(paramsFromFilter(filterFromParams({}))).toEqual({
    range: undefined,
    start: undefined,
    end: undefined,
    readOnly: undefined,
    errorsOnly: undefined,
    eventName: undefined,
    userName: undefined,
    project: undefined,
    resourceName: undefined,
    eventSource: undefined,
    accessKeyId: undefined,
    search: undefined,
  });
});

test("malformed URL values fall back to defaults: Read only No, 24 h", () => {
  const f = filterFromParams({ range: "9y", readOnly: "maybe", start: "not a date" });
  expect([f.range, f.readOnly, f.start]).toEqual(["24h", "false", undefined]);
});

test("a period never starts before retention", () => {
  const custom = filterFromParams({ range: "custom", start: "2020-01-01T00:00:00Z" });
  expect(periodOf(custom, now, 30).start.toISOString()).toBe("2026-10-25T12:00:00.000Z");
  expect(customRangeProblem("2020-01-01T00:00:00Z", undefined, now, 30)).toContain("30 days");
  expect(customRangeProblem("2026-11-20T00:00:00Z", "2026-11-19T00:00:00Z", now, 30)).toContain("after the start");
  expect(customRangeProblem("2026-11-20T00:00:00Z", undefined, now, 30)).toBeNull();
});

test("the API query: presets leave the end open, custom ranges pin it", () => {
  expect(apiFilterOf(filterFromParams({ range: "1h" }), now, 30)).toEqual({ readOnly: "false", start: "2026-11-24T11:00:00.000Z" });
  const zoomed = zoomTo(filterFromParams({}), Date.parse("2026-11-24T09:00:00Z"), 3_600_000);
  expect(apiFilterOf(zoomed, now, 30)).toMatchObject({ start: "2026-11-24T09:00:00.000Z", end: "2026-11-24T10:00:00.000Z" });
});

test("search needs 3 characters", () => {
  expect(searchProblem("ab")).toContain("3");
  expect(searchProblem("abc")).toBeNull();
  expect(searchProblem("")).toBeNull();
});

test("virtual rows render only what is in view", () => {
  expect(visibleRows(0, 400, 40, 10_000, 5)).toEqual({ start: 0, end: 15, padTop: 0, padBottom: 9985 * 40 });
  const mid = visibleRows(40_000, 400, 40, 10_000, 5);
  expect([mid.start, mid.end]).toEqual([995, 1015]);
  expect(nearEnd(900, 400, 1500)).toBe(true);
  expect(nearEnd(0, 400, 5000)).toBe(false);
});

test("formatting", () => {
  expect(formatBytes(1536)).toBe("1.5 KB");
  expect(formatCountdown("2026-11-27T12:00:00Z", now.getTime())).toBe("3 d 0 h");
  expect(formatCountdown("2026-11-24T11:00:00Z", now.getTime())).toBe("expired");
});

test("prettyJson prints like JSON.stringify(v, null, 2)", () => {
  const record = { a: 1, b: 'x\u0000"y', c: [1, { d: null, e: [] }, [], {}], f: { g: true, h: undefined }, "k:ey": -0.5, u: "\ufffd" };
  expect(prettyJson(record)).toBe(JSON.stringify(record, null, 2));
  expect(prettyJson([])).toBe("[]");
  expect(prettyJson("s")).toBe('"s"');
  expect(prettyJson(null)).toBe("null");
  expect(prettyJson(undefined)).toBe("null");
});

test("prettyJson renders a record nested 5,000 and 20,000 levels deep (no stack overflow, bounded indent)", () => {
  for (const levels of [5_000, 20_000]) {
    let deep: unknown = { leaf: "end" };
    for (let i = 0; i < levels; i++) deep = { n: deep };
    const text = prettyJson({ requestParameters: deep });
    expect(text.endsWith("}")).toBe(true);
    expect(text).toContain('"leaf":"end"');
    // The indent stops growing past PRETTY_INDENT_DEPTH levels; the text still parses back.
    expect(text.length).toBeLessThan(levels * 10 + PRETTY_INDENT_DEPTH * PRETTY_INDENT_DEPTH * 4);
    let parsed = JSON.parse(text).requestParameters;
    for (let i = 0; i < levels; i++) parsed = parsed.n;
    expect(parsed).toEqual({ leaf: "end" });
  }
});

test("times: one 24-hour format, UTC or local, typed back the same way", () => {
  expect(formatTime("2026-11-24T13:05:09.123Z", "utc")).toBe("2026-11-24 13:05:09");
  expect(zoneLabel(now, "utc")).toBe("UTC");
  expect(zoneLabel(now, "local")).toMatch(/^UTC[+−]\d\d:\d\d$/);
  expect(toInputTime("2026-11-24T13:05:59Z", "utc")).toBe("2026-11-24 13:05");
  expect(fromInputTime("2026-11-24 13:05", "utc")).toBe("2026-11-24T13:05:00.000Z");
  expect(fromInputTime("2026-11-24T13:05:30", "utc")).toBe("2026-11-24T13:05:30.000Z");
  // What a US 12-hour picker or a roll-over would accept is refused.
  for (const bad of ["11/24/2026 1:05 PM", "2026-02-30 10:00", "2026-11-24 24:00", "2026-11-24", ""]) expect(fromInputTime(bad, "utc")).toBeUndefined();
  const local = fromInputTime("2026-11-24 13:05", "local")!;
  expect(toInputTime(local, "local")).toBe("2026-11-24 13:05");
  // Ticks: time of day, the date where the day changes; days only over long spans.
  const t = Date.parse("2026-11-24T00:00:00Z");
  expect(formatTick(t, 86_400_000, t - 3_600_000, "utc")).toBe("11-24 00:00");
  expect(formatTick(t + 3_600_000, 86_400_000, t, "utc")).toBe("01:00");
  expect(formatTick(t, 7 * 86_400_000, undefined, "utc")).toBe("11-24");
});

test("chips name each filter set and remove it; Clear all keeps the period", () => {
  const f = filterFromParams({ range: "7d", eventName: "StopInstances", accessKeyId: "AKIA1", readOnly: "all", errorsOnly: "true" });
  const chips = chipsOf(f);
  expect(chips.map((c) => c.label)).toEqual(["Action: StopInstances", "Access key: AKIA1", "Read only: All", "Errors only"]);
  expect(chips[0]!.without.eventName).toBeUndefined();
  expect(chips[0]!.without.accessKeyId).toBe("AKIA1");
  expect(clearFilters(f)).toEqual({ range: "7d", start: undefined, end: undefined, readOnly: "false", errorsOnly: false });
  expect(chipsOf(clearFilters(f))).toEqual([]);
});

test("the widest period: every retained day", () => {
  const f = filterFromParams({ resourceName: "i-0abc" });
  expect(isWidest(f, now, 30)).toBe(false);
  expect(widest(f, now, 30)).toMatchObject({ range: "30d", resourceName: "i-0abc" });
  expect(isWidest(widest(f, now, 30), now, 30)).toBe(true);
  const long = widest(f, now, 90);
  expect(long.range).toBe("custom");
  expect(isWidest(long, now, 90)).toBe(true);
});

test("the facets note says what the counts cover: all matches, or the newest back to a time", () => {
  const since = "2026-11-23T09:30:00.000Z";
  expect(facetsNote({ counted: 1, sampled: false, since }, "utc")).toBe("Top values of all 1 matching event.");
  expect(facetsNote({ counted: 10_000, sampled: true, since }, "utc")).toBe(
    "Top values of the newest 10,000 matching events, back to 2026-11-23 09:30:00 UTC.",
  );
  expect(facetsNote({ counted: 0, sampled: true, since }, "utc")).toMatch(/^No matching events since 2026-11-23 09:30:00 UTC; the count stopped there\./);
});
