import { describe, expect, test } from "bun:test";
import { closedDaysBefore, largestRetentionDays, partitionDropCutoff, partitionSpan, retentionFloor } from "./retention.ts";

describe("retention", () => {
  test("the retention floor is whole days before now", () => {
    expect(retentionFloor(new Date("2026-11-30T10:15:00Z"), 30).toISOString()).toBe("2026-10-31T10:15:00.000Z");
    expect(retentionFloor(new Date("2026-11-30T10:15:00Z"), 1).toISOString()).toBe("2026-11-29T10:15:00.000Z");
  });

  test("partitions exist from yesterday to a week ahead", () => {
    const span = partitionSpan(new Date("2026-11-30T10:00:00Z"));
    expect(span.from.toISOString()).toBe("2026-11-29T10:00:00.000Z");
    expect(span.to.toISOString()).toBe("2026-12-07T10:00:00.000Z");
  });

  test("the largest retention is the default unless an override raises it", () => {
    expect(largestRetentionDays([])).toBe(30);
    expect(largestRetentionDays([7, 14])).toBe(30);
    expect(largestRetentionDays([7, 365])).toBe(365);
  });

  test("days are dropped only past the largest retention and a day of slack", () => {
    expect(partitionDropCutoff(new Date("2026-11-30T10:00:00Z"), 30).toISOString()).toBe("2026-10-30T00:00:00.000Z");
  });

  test("a day is closed an hour after it ends", () => {
    expect(closedDaysBefore(new Date("2026-11-30T00:59:59Z")).toISOString()).toBe("2026-11-29T00:00:00.000Z");
    expect(closedDaysBefore(new Date("2026-11-30T01:00:00Z")).toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(closedDaysBefore(new Date("2026-11-30T23:00:00Z")).toISOString()).toBe("2026-11-30T00:00:00.000Z");
  });
});
