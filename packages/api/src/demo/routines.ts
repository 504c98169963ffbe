/**
 * The everyday traffic, planned one UTC day at a time: people's console sessions, the admin's
 * scripts, the system user's status polling and the deploy bot. Planning draws from the RNG in a
 * fixed order (the order of these calls is part of the seeded output); the planned actions draw
 * again when they run.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from "@activity-log/core";
import { type Actor, consoleUsers } from "./actors.ts";
import { emit, plan, type TrafficContext } from "./context.ts";
import { read, throttledDescribeInstances } from "./reads.ts";
import { autoSignOut, failedSignIn, signIn, signOut } from "./sign-in.ts";
import { DEMO_PROJECTS, type Project } from "./world.ts";
import { attemptWrite, writeSomething } from "./writes/index.ts";

const POLL_INTERVAL_MS = 15 * MINUTE_MS;

/** Plans the routine traffic of the UTC day starting at `day`; `scale` multiplies its volume. */
export function planDay(ctx: TrafficContext, day: number, scale: number): void {
  const weekday = new Date(day).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  planConsoleSessions(ctx, day, weekend, scale);
  if (!weekend) planAdminScripts(ctx, day, scale);
  planSystemPolling(ctx, day);
  for (const bot of [ctx.actors.deployBotProduction, ctx.actors.deployBotStaging]) planDeployBot(ctx, day, bot, weekend, scale);
}

/** People: console sessions in working hours (06–17 UTC, Moscow 09–20), rarely at weekends. */
function planConsoleSessions(ctx: TrafficContext, day: number, weekend: boolean, scale: number): void {
  for (const actor of consoleUsers(ctx.actors)) {
    const sessions = ctx.rnd.poisson((weekend ? 0.3 : 4.5) * scale);
    for (let s = 0; s < sessions; s++) planSession(ctx, day + 6 * HOUR_MS + ctx.rnd.int(11 * HOUR_MS), actor);
  }
}

function planSession(ctx: TrafficContext, begin: number, actor: Actor): void {
  planSignIn(ctx, begin, actor);
  const lastPage = planPages(ctx, begin + 5_000, actor);
  planSignOut(ctx, lastPage, actor);
}

/** Sign-in, sometimes after a mistyped password. */
function planSignIn(ctx: TrafficContext, begin: number, actor: Actor): void {
  if (ctx.rnd.chance(0.05)) plan(ctx, begin - 40_000, (at) => failedSignIn(ctx, at, actor));
  plan(ctx, begin, (at) => signIn(ctx, at, actor, actor.projects[0]!));
}

/** Pages: each loads a few Describe calls; now and then the person changes something. Returns when the session goes idle. */
function planPages(ctx: TrafficContext, first: number, actor: Actor): number {
  const { rnd } = ctx;
  let t = first;
  const pages = 10 + rnd.int(31);
  for (let p = 0; p < pages; p++) {
    const project: Project = rnd.chance(actor.strayWrites) ? "production" : rnd.pick(actor.projects);
    const calls = 1 + rnd.int(2);
    for (let c = 0; c < calls; c++) plan(ctx, t + c * 150, (at) => read(ctx, at, actor, project));
    if (rnd.chance(0.45)) plan(ctx, t + 20_000 + rnd.int(60_000), (at) => writeSomething(ctx, at, actor, project));
    t += 30_000 + rnd.int(4 * MINUTE_MS);
  }
  return t;
}

/** Sign-out soon after the last page, or else the console signs the person out half an hour later. */
function planSignOut(ctx: TrafficContext, idleFrom: number, actor: Actor): void {
  const project = actor.projects[0]!;
  if (ctx.rnd.chance(0.6)) plan(ctx, idleFrom + 10_000, (at) => signOut(ctx, at, actor, project));
  else plan(ctx, idleFrom + 30 * MINUTE_MS, (at) => autoSignOut(ctx, at, actor, project));
}

/** The admin's scripts: the AWS CLI with the admin's key, a few times a working day. */
function planAdminScripts(ctx: TrafficContext, day: number, scale: number): void {
  const cli = ctx.actors.adminCli;
  for (let k = ctx.rnd.poisson(3 * scale); k > 0; k--) {
    plan(ctx, day + 7 * HOUR_MS + ctx.rnd.int(10 * HOUR_MS), (at) => read(ctx, at, cli, "default"));
  }
}

/** The system user polls instance and volume status every 15 minutes, project by project. */
function planSystemPolling(ctx: TrafficContext, day: number): void {
  const { system } = ctx.actors;
  for (let t = day + ctx.rnd.int(POLL_INTERVAL_MS); t < day + DAY_MS; t += POLL_INTERVAL_MS) {
    const project = DEMO_PROJECTS[Math.floor((t - day) / POLL_INTERVAL_MS) % DEMO_PROJECTS.length]!;
    plan(ctx, t, (at) =>
      emit(ctx, at, system, project, ctx.rnd.chance(0.7) ? "DescribeInstanceStatus" : "DescribeVolumes", { requestParameters: { filterSet: {} } }),
    );
  }
}

/** The deploy bot: polls hourly, deploys on working days (new instance in, old tmp instance out). */
function planDeployBot(ctx: TrafficContext, day: number, bot: Actor, weekend: boolean, scale: number): void {
  const project = bot.projects[0]!;
  for (let h = 0; h < 24; h++) plan(ctx, day + h * HOUR_MS + ctx.rnd.int(HOUR_MS), (at) => pollAsBot(ctx, at, bot, project));
  const deploys = weekend ? 0 : ctx.rnd.poisson(1.5 * scale);
  for (let d = 0; d < deploys; d++) plan(ctx, day + 8 * HOUR_MS + ctx.rnd.int(9 * HOUR_MS), (at) => deploy(ctx, at, bot, project));
}

function pollAsBot(ctx: TrafficContext, at: number, bot: Actor, project: Project): void {
  // A burst sometimes trips the rate limit.
  if (ctx.rnd.chance(0.03)) throttledDescribeInstances(ctx, at, bot, project);
  else read(ctx, at, bot, project);
}

/**
 * A look, a new instance, a tag and, usually, an old instance out five minutes later. All of it runs
 * in this one slot, stamped with its own later times.
 */
function deploy(ctx: TrafficContext, at: number, bot: Actor, project: Project): void {
  read(ctx, at, bot, project);
  attemptWrite(ctx, at + 2_000, bot, project, "RunInstances");
  attemptWrite(ctx, at + 4_000, bot, project, "CreateTags");
  if (ctx.rnd.chance(0.7)) attemptWrite(ctx, at + 5 * MINUTE_MS, bot, project, "TerminateInstances");
}
