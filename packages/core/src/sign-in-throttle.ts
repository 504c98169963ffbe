/**
 * Sign-in guessing rules. Every attempt first reserves a guess from two budgets: one for an
 * account+user *from one source address*, and one for the address as a whole. Binding the user's
 * budget to the failing address means a guesser elsewhere can never lock the rightful owner out;
 * the address budget stops one address from spraying many users. A budget allows `limit` guesses
 * per window; a window used up makes the next one twice as long (growing delays, up to a cap),
 * and a window that passes without being used up resets that growth.
 */
import { MINUTE_MS, SECOND_MS } from "./time.ts";

export interface GuessBudget {
  /** Guesses allowed per window. */
  limit: number;
  /** Length of the first window; each used-up window doubles the next, up to `maxWindowMs`. */
  baseWindowMs: number;
  maxWindowMs: number;
}

/** An account+user from one address: 5 guesses a minute, backing off to 5 per 15 minutes. */
export const SIGN_IN_USER_BUDGET: GuessBudget = { limit: 5, baseWindowMs: MINUTE_MS, maxWindowMs: 15 * MINUTE_MS };
/** One address, over every account and user (an office behind one NAT still signs in freely). */
export const SIGN_IN_ADDRESS_BUDGET: GuessBudget = { limit: 30, baseWindowMs: MINUTE_MS, maxWindowMs: 15 * MINUTE_MS };

/** What is stored per budget key. */
export interface GuessWindow {
  windowStart: Date;
  guesses: number;
  /** Used-up windows in a row; the current window is baseWindowMs · 2^strikes long. */
  strikes: number;
}

export type GuessDecision = { allowed: true; state: GuessWindow } | { allowed: false; state: GuessWindow; retryAfterMs: number };

export function guessWindowMs(budget: GuessBudget, strikes: number): number {
  return Math.min(budget.baseWindowMs * 2 ** Math.min(strikes, 20), budget.maxWindowMs);
}

/** Reserves one guess at `now` from a budget's stored window (null: never used). */
export function reserveGuess(stored: GuessWindow | null, now: Date, budget: GuessBudget): GuessDecision {
  if (stored === null) return { allowed: true, state: { windowStart: now, guesses: 1, strikes: 0 } };
  const end = stored.windowStart.getTime() + guessWindowMs(budget, stored.strikes);
  if (now.getTime() >= end) {
    // A new window: longer right after a used-up one; back to the base length after one that was
    // not used up, or once the budget has been left alone for a whole longest window.
    const persistent = stored.guesses >= budget.limit && now.getTime() - end < budget.maxWindowMs;
    const strikes = persistent ? stored.strikes + 1 : 0;
    return { allowed: true, state: { windowStart: now, guesses: 1, strikes } };
  }
  if (stored.guesses < budget.limit) return { allowed: true, state: { ...stored, guesses: stored.guesses + 1 } };
  return { allowed: false, state: stored, retryAfterMs: end - now.getTime() };
}

/** A successful sign-in gives its guess back to the address budget (a busy NAT is not a guesser). */
export function refundGuess(stored: GuessWindow): GuessWindow {
  return { ...stored, guesses: Math.max(0, stored.guesses - 1) };
}

/** Budget rows untouched this long can only ever start afresh; the worker may delete them. */
export const GUESS_WINDOW_STALE_MS = 2 * Math.max(SIGN_IN_USER_BUDGET.maxWindowMs, SIGN_IN_ADDRESS_BUDGET.maxWindowMs);

export function signInThrottledMessage(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / SECOND_MS));
  const wait = seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many sign-in attempts from your address. Wait ${wait} and try again.`;
}
