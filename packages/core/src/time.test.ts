import { describe, expect, test } from "bun:test";
import { DAY_MS, HOUR_MS, MINUTE_MS, retentionFloor, utcDayStart } from "./time.ts";

describe("time", () => {
  test("units", () => {
    expect([MINUTE_MS, HOUR_MS, DAY_MS]).toEqual([60_000, 3_600_000, 86_400_000]);
  });

  test("the retention floor is whole days before now", () => {
    expect(retentionFloor(new Date("2026-11-30T10:15:00Z"), 30).toISOString()).toBe("2026-10-31T10:15:00.000Z");
    expect(retentionFloor(new Date("2026-11-30T10:15:00Z"), 1).toISOString()).toBe("2026-11-29T10:15:00.000Z");
  });

  test("a UTC day starts at midnight UTC, whatever the instant inside it", () => {
    expect(utcDayStart(new Date("2026-11-30T00:00:00Z")).toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(utcDayStart(new Date("2026-11-30T23:59:59.999Z")).toISOString()).toBe("2026-11-30T00:00:00.000Z");
  });
});
