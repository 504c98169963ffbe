/**
 * About a month of believable EC2-style traffic for the demo account, generated deterministically
 * from a seed and the clock. A fleet of instances, volumes and security groups (world.ts) changes
 * state as people, a deploy bot and the system user (actors.ts) work on it; most calls only read
 * (console pages load Describe* calls, reads.ts), some change the fleet (writes/), some fail. Two
 * stories are planted for SPEC's use cases (stories.ts): the production databases stopped a few days
 * ago, and production instance i-0abc… terminated two weeks ago.
 *
 * Everything draws from one seeded RNG, so the same options give the same events in the same order;
 * the order in which the parts draw from it is part of that output.
 */
import { DAY_MS, MINUTE_MS, type StoredEvent, utcDayStart } from "@activity-log/core";
import { createActors, type DemoAccessKeys } from "./actors.ts";
import { runSlotsInTimeOrder, type TrafficContext } from "./context.ts";
import { seededRandom } from "./random.ts";
import { planDay } from "./routines.ts";
import { planStories } from "./stories.ts";
import { createWorld } from "./world.ts";

export { DEMO_STORY } from "./stories.ts";

export interface DemoTrafficOptions {
  accountId: string;
  now: Date;
  /** How many days back the traffic starts (kept inside the 30-day retention). */
  days?: number;
  seed?: number;
  /** Multiplies the volume of random traffic; 1 ≈ 25,000 events. */
  scale?: number;
  /** Access key ids that API-calling actors use (their keys exist in the account). */
  accessKeys: DemoAccessKeys;
}

export function generateDemoTraffic(options: DemoTrafficOptions): StoredEvent[] {
  const ctx = createTrafficContext(options);
  const scale = options.scale ?? 1;
  // Plan the whole month first, then run it in time order so every call sees the fleet as it is then.
  for (let day = utcDayStart(new Date(ctx.start)).getTime(); day <= ctx.end; day += DAY_MS) planDay(ctx, day, scale);
  planStories(ctx, options.now);
  runSlotsInTimeOrder(ctx);
  return ctx.events;
}

function createTrafficContext(options: DemoTrafficOptions): TrafficContext {
  const now = options.now.getTime();
  const rnd = seededRandom(options.seed ?? 20261124);
  return {
    rnd,
    accountId: options.accountId,
    start: now - (options.days ?? 29) * DAY_MS,
    end: now - 2 * MINUTE_MS,
    world: createWorld(rnd),
    actors: createActors(options.accessKeys),
    slots: [],
    events: [],
  };
}
