/**
 * The worker: trail archives every 5 minutes, reports, retention, event rules' webhooks.
 *
 *   bun run worker                              loop until SIGINT/SIGTERM
 *   bun run worker -- --once [--now <ISO-8601>] do all work due at that instant, then exit
 *
 * Any number of workers may run at once (also inside `bun run start`): reports are claimed with
 * FOR UPDATE SKIP LOCKED, trails under an exclusive lock per trail, sessions by a conditional
 * UPDATE, rules' matches and deliveries under row locks (rules.ts), so no job is done twice. Time comes from the injected clock.
 */
import { hostname } from "node:os";
import {
  type AppDeps,
  type Clock,
  closeDeps,
  ConfigError,
  createLogger,
  fixedClock,
  keepRunningThroughDatabaseOutages,
  loadConfig,
  openDeps,
  systemClock,
} from "@activity-log/api/runtime";
import { generateReports, type ReportRunSummary } from "./reports.ts";
import { indexClosedDays, runRetention, type RetentionSummary } from "./retention.ts";
import { rollUp, type RollupRunSummary } from "./rollups.ts";
import { matchNewEvents, runRules, type RulesRunSummary, sendDueWebhooks } from "./rules.ts";
import { deliverTrails, type TrailDeliverySummary } from "./trails.ts";

export interface RunSummary {
  retention: RetentionSummary;
  /** Indexes built on days' partitions that closed (see indexClosedDays). */
  closedDayIndexes: string[];
  trails: TrailDeliverySummary;
  reports: ReportRunSummary;
  rollups: RollupRunSummary;
  rules: RulesRunSummary;
}

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
}

/** Does all work due as of `now` — retention, every closed trail window, every queued report, every due webhook — once. */
export async function runOnce(deps: AppDeps, now: Date, options: { workerId?: string; settleMs?: number } = {}): Promise<RunSummary> {
  const workerId = options.workerId ?? newWorkerId();
  const retention = await runRetention(deps, now);
  const closedDayIndexes = await indexClosedDays(deps, now);
  const trails = await deliverTrails(deps, now, options.settleMs === undefined ? {} : { settleMs: options.settleMs });
  const reports = await generateReports(deps, () => now, { workerId });
  // Trails settled the horizon just now: no need to wait again.
  const rollups = await rollUp(deps, { settleMs: 0 });
  const rules = await runRules(deps, now);
  return { retention, closedDayIndexes, trails, reports, rollups, rules };
}

export interface WorkerLoopOptions {
  /** How often trails are checked (a window closes every 5 minutes; delivery follows within this). */
  trailsEveryMs?: number;
  /** How often the report queue is polled when idle. */
  reportsEveryMs?: number;
  retentionEveryMs?: number;
  /** How often the histogram's rollups catch up with new events. */
  rollupsEveryMs?: number;
  /** How often new events are matched to rules (≤ 5 s from commit to webhook request at p95). */
  rulesEveryMs?: number;
  /** How often due webhooks are sent (a separate job: a slow receiver never delays matching). */
  webhooksEveryMs?: number;
  /** Reports built at once by this process. */
  reportSlots?: number;
}

export interface WorkerLoop {
  stop(): Promise<void>;
}

/**
 * Runs the jobs on their own timers, so a long report never delays a trail's archive. Errors are
 * logged and retried on the next tick. stop() waits for the work in flight to finish.
 */
export function startWorkerLoop(deps: AppDeps, options: WorkerLoopOptions = {}): WorkerLoop {
  const workerId = newWorkerId();
  let stopped = false;
  // Sleeping loops, woken early by stop().
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  const every = (name: string, ms: number, job: () => Promise<unknown>) =>
    (async () => {
      while (!stopped) {
        try {
          await job();
        } catch (error) {
          deps.logger.error(`worker ${name} failed`, { error: error instanceof Error ? error.message : String(error) });
        }
        if (!stopped) await sleep(ms);
      }
    })();

  const loops = [
    every("retention", options.retentionEveryMs ?? 60_000, () => runRetention(deps, deps.clock.now())),
    every("closed-day indexes", options.retentionEveryMs ?? 60_000, () => indexClosedDays(deps, deps.clock.now())),
    every("rollups", options.rollupsEveryMs ?? 10_000, () => rollUp(deps)),
    every("rules", options.rulesEveryMs ?? 1_000, () => matchNewEvents(deps, deps.clock.now())),
    every("webhooks", options.webhooksEveryMs ?? 250, () => sendDueWebhooks(deps, deps.clock.now(), { maxDeliveries: 500 })),
    every("trails", options.trailsEveryMs ?? 5_000, () => deliverTrails(deps, deps.clock.now(), { maxWindowsPerTrail: 48 })),
    ...Array.from({ length: options.reportSlots ?? 2 }, (_, i) =>
      every(`reports[${i}]`, options.reportsEveryMs ?? 1_000, () => generateReports(deps, () => deps.clock.now(), { workerId, maxReports: 1 })),
    ),
  ];
  return {
    async stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
    },
  };
}

/** Parses `--once` and `--now <ISO-8601>`; a bad value is a one-line error. */
export function parseWorkerArgs(argv: string[]): { once: boolean; now?: Date } {
  const out: { once: boolean; now?: Date } = { once: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--once") out.once = true;
    else if (arg === "--now" || arg.startsWith("--now=")) {
      const value = arg === "--now" ? argv[++i] : arg.slice("--now=".length);
      const t = value ? Date.parse(value) : Number.NaN;
      if (!value || Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
        throw new ConfigError(`--now needs an ISO-8601 time such as 2026-11-24T10:05:00Z; got ${value ?? "nothing"}`);
      out.now = new Date(t);
    } else if (arg === "--help" || arg === "-h") {
      throw new ConfigError("usage: bun run worker [-- --once [--now <ISO-8601>]]");
    } else throw new ConfigError(`Unknown option ${arg}. Usage: bun run worker [-- --once [--now <ISO-8601>]]`);
  }
  if (out.now && !out.once) throw new ConfigError("--now is only meaningful with --once");
  return out;
}

async function main(argv: string[]): Promise<void> {
  const args = parseWorkerArgs(argv);
  const config = loadConfig();
  const clock: Clock = args.now ? fixedClock(args.now) : systemClock;
  const deps = await openDeps(config, { logger: createLogger(config.logLevel), clock });
  const close = () => closeDeps(deps);
  if (args.once) {
    try {
      const summary = await runOnce(deps, clock.now());
      process.stdout.write(`${JSON.stringify({ now: clock.now().toISOString(), ...summary })}\n`);
    } finally {
      await close();
    }
    return;
  }
  keepRunningThroughDatabaseOutages(deps.logger);
  const loop = startWorkerLoop(deps);
  deps.logger.info("worker started", { database: deps.database.kind });
  const shutdown = async () => {
    await loop.stop();
    await close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

if (import.meta.main) {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : `Worker failed: ${e instanceof Error ? e.message : String(e)}`}\n`);
    process.exit(1);
  }
}
