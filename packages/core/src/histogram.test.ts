import { describe, expect, test } from "bun:test";
import { histogramBucketMs, histogramBucketStarts, rollupSpan } from "./histogram.ts";

describe("histogram", () => {
  test("histogram bucket sizes give 30–120 buckets", () => {
    const span = (ms: number) => histogramBucketMs({ start: new Date(0), end: new Date(ms) });
    expect(span(3_600_000)).toBe(60_000);
    expect(span(86_400_000)).toBe(15 * 60_000);
    expect(span(7 * 86_400_000)).toBe(3 * 3_600_000);
    expect(span(30 * 86_400_000)).toBe(6 * 3_600_000);
    expect(span(31 * 86_400_000)).toBe(86_400_000);
  });

  test("every bucket the window touches is listed, from the aligned start of the first", () => {
    const window = { start: new Date("2026-11-30T10:02:00Z"), end: new Date("2026-11-30T10:10:00Z") };
    expect(histogramBucketStarts(window, 5 * 60_000).map((t) => new Date(t).toISOString())).toEqual([
      "2026-11-30T10:00:00.000Z",
      "2026-11-30T10:05:00.000Z",
      "2026-11-30T10:10:00.000Z",
    ]);
  });

  test("rollups answer the whole 5-minute buckets inside the window, for read/write and error filters only", () => {
    const window = { start: new Date("2026-11-30T10:02:00Z"), end: new Date("2026-11-30T11:58:00Z") };
    expect(rollupSpan({}, window, 15 * 60_000)).toEqual({ lo: new Date("2026-11-30T10:05:00Z"), hi: new Date("2026-11-30T11:55:00Z") });
    expect(rollupSpan({ readOnly: false, errorsOnly: true }, window, 15 * 60_000)).not.toBeNull();
    expect(rollupSpan({ eventName: "StopInstances" }, window, 15 * 60_000)).toBeNull();
    expect(rollupSpan({}, window, 60_000)).toBeNull();
    expect(rollupSpan({}, { start: new Date("2026-11-30T10:01:00Z"), end: new Date("2026-11-30T10:04:00Z") }, 5 * 60_000)).toBeNull();
  });
});
