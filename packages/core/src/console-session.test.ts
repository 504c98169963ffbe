import { describe, expect, test } from "bun:test";
import { isSessionAlive, SESSION_IDLE_MS, SESSION_MAX_MS, sessionExpiresAt } from "./console-session.ts";

const t0 = new Date("2026-11-24T00:00:00Z");
const after = (ms: number) => new Date(t0.getTime() + ms);

describe("session lifetime", () => {
  test("slides by the idle lifetime, capped at the absolute lifetime", () => {
    expect(sessionExpiresAt(t0, t0)).toEqual(after(SESSION_IDLE_MS));
    expect(sessionExpiresAt(t0, after(3_600_000))).toEqual(after(3_600_000 + SESSION_IDLE_MS));
    expect(sessionExpiresAt(t0, after(SESSION_MAX_MS - 1000))).toEqual(after(SESSION_MAX_MS));
  });

  test.each([
    ["fresh", { expiresAt: after(SESSION_IDLE_MS), closedAt: null }, after(1000), true],
    ["idle past expiry", { expiresAt: after(SESSION_IDLE_MS), closedAt: null }, after(SESSION_IDLE_MS), false],
    ["signed out", { expiresAt: after(SESSION_IDLE_MS), closedAt: after(10) }, after(1000), false],
    ["past the absolute lifetime", { expiresAt: after(SESSION_MAX_MS + 3_600_000), closedAt: null }, after(SESSION_MAX_MS + 1), false],
  ])("%s", (_label, s, now, alive) => {
    expect(isSessionAlive({ createdAt: t0, ...s }, now)).toBe(alive);
  });
});
