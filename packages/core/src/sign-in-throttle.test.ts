import { describe, expect, test } from "bun:test";
import { type GuessWindow, guessWindowMs, refundGuess, reserveGuess, SIGN_IN_USER_BUDGET, signInThrottledMessage } from "./sign-in-throttle.ts";
import { MINUTE_MS, SECOND_MS } from "./time.ts";

const budget = SIGN_IN_USER_BUDGET;
const t0 = new Date("2026-11-24T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** Runs `n` reservations at `now`, carrying the state; returns the decisions' allowed flags and the last state. */
function guesses(state: GuessWindow | null, now: Date, n: number) {
  const allowed: boolean[] = [];
  let retryAfterMs = 0;
  for (let i = 0; i < n; i++) {
    const d = reserveGuess(state, now, budget);
    allowed.push(d.allowed);
    if (!d.allowed) retryAfterMs = d.retryAfterMs;
    state = d.state;
  }
  return { allowed, state: state!, retryAfterMs };
}

describe("reserveGuess", () => {
  test("allows exactly the limit within a window, then refuses until the window ends", () => {
    const r = guesses(null, t0, 7);
    expect(r.allowed).toEqual([true, true, true, true, true, false, false]);
    expect(r.retryAfterMs).toBe(MINUTE_MS);
    expect(reserveGuess(r.state, at(MINUTE_MS - 1), budget).allowed).toBe(false);
    expect(reserveGuess(r.state, at(MINUTE_MS), budget).allowed).toBe(true);
  });

  test("each used-up window doubles the next (growing delays), capped at the longest window", () => {
    let state: GuessWindow | null = null;
    let start = t0.getTime();
    const waits: number[] = [];
    for (let round = 0; round < 6; round++) {
      const r = guesses(state, new Date(start), budget.limit + 1);
      waits.push(r.retryAfterMs / MINUTE_MS);
      state = r.state;
      start += r.retryAfterMs;
    }
    expect(waits).toEqual([1, 2, 4, 8, 15, 15]);
  });

  test("a window that was not used up, or a long pause, resets the growth", () => {
    const usedUp = guesses(null, t0, budget.limit).state;
    const grown = reserveGuess(usedUp, at(MINUTE_MS), budget).state;
    expect(grown.strikes).toBe(1);
    expect(reserveGuess(grown, at(3 * MINUTE_MS), budget).state.strikes).toBe(0);
    expect(reserveGuess(usedUp, at(MINUTE_MS + budget.maxWindowMs), budget).state.strikes).toBe(0);
  });

  test("a refund gives one guess back, never below zero", () => {
    expect(refundGuess({ windowStart: t0, guesses: 3, strikes: 1 }).guesses).toBe(2);
    expect(refundGuess({ windowStart: t0, guesses: 0, strikes: 0 }).guesses).toBe(0);
  });

  test("window lengths and the message", () => {
    expect([0, 1, 2, 3, 4, 50].map((s) => guessWindowMs(budget, s) / MINUTE_MS)).toEqual([1, 2, 4, 8, 15, 15]);
    expect(signInThrottledMessage(30 * SECOND_MS)).toBe("Too many sign-in attempts from your address. Wait 30 seconds and try again.");
    expect(signInThrottledMessage(15 * MINUTE_MS)).toBe("Too many sign-in attempts from your address. Wait 15 minutes and try again.");
  });
});
