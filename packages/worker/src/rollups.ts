/**
 * The histogram's rollups (see @activity-log/api/db/event-rollups): each run counts the events
 * that became visible since the previous run, up to the current horizon — the same horizon trail
 * delivery uses (window-events.ts), after the same brief settling — so every event is counted once.
 * Exclusive across workers (an advisory transaction lock inside rollUpEvents).
 */
import type { AppDeps } from "@activity-log/api/deps";
import { rollUpEvents, type RollupRunSummary } from "@activity-log/api/db/event-rollups";
import { settleHorizon } from "./window-events.ts";

export type { RollupRunSummary };

export async function rollUp(deps: AppDeps, options: { settleMs?: number } = {}): Promise<RollupRunSummary> {
  await settleHorizon(deps.database, options.settleMs ?? 250);
  return rollUpEvents(deps.database);
}
