/**
 * The two stories planted for SPEC's use cases, on top of the random traffic: the production
 * databases stopped a few days ago, and production instance i-0abc… terminated two weeks ago.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, utcDayStart } from "@activity-log/core";
import { emit, plan, type TrafficContext } from "./context.ts";
import { instancesSet, items, stateChanges } from "./ec2-shapes.ts";
import { read } from "./reads.ts";
import { signIn } from "./sign-in.ts";
import { findInstance, type Instance, STORY_INSTANCES } from "./world.ts";
import { refuse } from "./writes/write.ts";

/** The planted stories, exported so tests (and the README) can point at them. */
export const DEMO_STORY = {
  /** Terminated by carol two weeks before `now`, after bob's refused attempt. */
  terminatedInstance: STORY_INSTANCES.webLegacy,
  terminatedBy: "carol",
  terminatedDaysAgo: 14,
  /** Stopped together by alice late one evening four days before `now`; started again next morning by admin. */
  stoppedDatabases: [STORY_INSTANCES.dbPrimary, STORY_INSTANCES.dbReplica],
  stoppedBy: "alice",
  stoppedDaysAgo: 4,
} as const;

/** Plans both stories; they run with the rest of the traffic, in time order. */
export function planStories(ctx: TrafficContext, now: Date): void {
  const legacy = findInstance(ctx.world, DEMO_STORY.terminatedInstance)!;
  const terminationDay = dayOf(now, DEMO_STORY.terminatedDaysAgo);
  planRefusedTermination(ctx, terminationDay, legacy);
  planTermination(ctx, terminationDay, legacy);
  planStoppedDatabases(ctx, dayOf(now, DEMO_STORY.stoppedDaysAgo));
}

/** UTC midnight of the day `daysAgo` days before `now`. */
const dayOf = (now: Date, daysAgo: number) => utcDayStart(new Date(now.getTime() - daysAgo * DAY_MS)).getTime();

/** Bob tries first, early that afternoon, and is refused: production is not his project. */
function planRefusedTermination(ctx: TrafficContext, day: number, legacy: Instance): void {
  const { bob } = ctx.actors;
  plan(ctx, day + 13 * HOUR_MS + 5 * MINUTE_MS, (at) => {
    read(ctx, at - 20_000, bob, "production");
    emit(ctx, at, bob, "production", "DescribeInstances", { requestParameters: instancesSet([legacy.id]) });
    const call = { at: at + 30_000, actor: bob, project: "production", kind: "TerminateInstances", allowed: false } as const;
    refuse(ctx, call, instancesSet([legacy.id]));
  });
}

/** Carol, who runs production, signs in and terminates it later that afternoon. */
function planTermination(ctx: TrafficContext, day: number, legacy: Instance): void {
  const { carol } = ctx.actors;
  plan(ctx, day + 15 * HOUR_MS + 40 * MINUTE_MS, (at) => {
    signIn(ctx, at, carol, "production");
    emit(ctx, at + 60_000, carol, "production", "DescribeInstances", { requestParameters: instancesSet([legacy.id]) });
    emit(ctx, at + 130_000, carol, "production", "TerminateInstances", {
      requestParameters: instancesSet([legacy.id]),
      responseElements: stateChanges([legacy.id], "shutting-down", "running"),
    });
    // Only the state: unlike world.terminateInstance, its root volume is left as it was (as the generator always has).
    legacy.state = "terminated";
  });
}

/** Alice looks up the databases and stops both late one evening; the admin starts them again the next morning. */
function planStoppedDatabases(ctx: TrafficContext, day: number): void {
  const { alice, admin } = ctx.actors;
  const dbs = DEMO_STORY.stoppedDatabases.map((id) => findInstance(ctx.world, id)!);
  const ids = dbs.map((d) => d.id);
  plan(ctx, day + 21 * HOUR_MS + 17 * MINUTE_MS, (at) => {
    emit(ctx, at, alice, "production", "DescribeInstances", {
      requestParameters: { instancesSet: {}, filterSet: items([{ name: "tag:Name", valueSet: items([{ value: "db-*" }]) }]) },
    });
    emit(ctx, at + 45_000, alice, "production", "StopInstances", {
      requestParameters: { ...instancesSet(ids), force: false },
      responseElements: stateChanges(ids, "stopping", "running"),
    });
    for (const d of dbs) d.state = "stopped";
  });
  plan(ctx, day + DAY_MS + 7 * HOUR_MS + 2 * MINUTE_MS, (at) => {
    emit(ctx, at, admin, "production", "StartInstances", { requestParameters: instancesSet(ids), responseElements: stateChanges(ids, "pending", "stopped") });
    for (const d of dbs) d.state = "running";
  });
}
