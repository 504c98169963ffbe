/**
 * The histogram's rollups (api's db/event-rollups.ts): each run counts the events
 * that became visible since the previous run, up to the current horizon — the same horizon trail
 * delivery uses (api's db/horizon.ts), after the same brief settling — so every event is counted once.
 * Exclusive across workers (an advisory transaction lock inside rollUpEvents).
 */
import { type RollupRunSummary, rollUpEvents, settleHorizon } from "@activity-log/api/db";
import type { AppDeps } from "@activity-log/api/runtime";

export type { RollupRunSummary };

export async function rollUp(deps: AppDeps, options: { settleMs?: number } = {}): Promise<RollupRunSummary> {
  await settleHorizon(deps.database, options.settleMs ?? 250);
  return rollUpEvents(deps.database);
}
