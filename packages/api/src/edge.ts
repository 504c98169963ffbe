/**
 * Edge-runtime entry (`export default { fetch }`, the shape Cloudflare Workers and workerd call):
 * the CloudTrail API (`POST /`) and `/healthz`. `bun run edge:build` bundles it for workerd;
 * edge.test.ts fails the build on any Node-only module, or a `Bun.`/`process.` global, in the output
 * (postgres.js's workerd build needs only node:buffer/events/stream, which nodejs_compat provides).
 *
 * Per isolate (built once from the bindings, see edge/bindings.ts): configuration, the portable secret
 * box, S3 object storage, the logger, the Hono app. Per request: its own database client
 * (edge/request-database.ts), closed after the response, and the caller's address from
 * `cf-connecting-ip`. Both travel in EdgeRequestScope, Hono's env for the request — nothing
 * request-scoped is kept in a global. Migrations are applied by the Bun side (`bun run start`,
 * `bun run worker`); the console, ingest, operator API and worker stay there (files, long jobs).
 */
import { DomainError } from "@activity-log/core";
import { createPortableSecretBox } from "./auth/portable-secret-box.ts";
import { systemClock } from "./clock.ts";
import { cloudtrailRouter } from "./cloudtrail/router.ts";
import type { AppDeps } from "./deps.ts";
import { type EdgeBindings, EdgeConfigError, type EdgeLogLevel, type EdgeSettings, readEdgeBindings } from "./edge/bindings.ts";
import { openRequestDatabase, type RequestDatabase } from "./edge/request-database.ts";
import { errorResponse } from "./http-errors.ts";
import type { Logger } from "./logger.ts";
import { serviceBase } from "./service-base.ts";
import type { ServerBindings } from "./source-ip.ts";
import { createS3Storage } from "./storage/s3.ts";

export type { EdgeBindings } from "./edge/bindings.ts";

/** What one request runs with, handed to the app as Hono's env: its own database and its client's address. */
export interface EdgeRequestScope extends ServerBindings {
  deps: AppDeps & { database: RequestDatabase };
}

/** The part of Workers' ExecutionContext this entry uses: work that may finish after the response. */
export interface EdgeExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** What lives as long as the isolate: everything but the database. */
interface Isolate {
  settings: EdgeSettings;
  shared: Omit<AppDeps, "database">;
  knownPartitions: Set<string>;
  app: ReturnType<typeof createEdgeApp>;
}

function createEdgeApp() {
  return serviceBase((c) => (c.env as EdgeRequestScope).deps).route("/", cloudtrailRouter());
}

let isolate: Isolate | undefined;

function isolateFor(env: EdgeBindings): Isolate {
  if (isolate) return isolate;
  const settings = readEdgeBindings(env);
  const { config } = settings;
  isolate = {
    settings,
    knownPartitions: new Set(),
    app: createEdgeApp(),
    shared: {
      config,
      clock: systemClock,
      logger: consoleLogger(settings.logLevel),
      secrets: createPortableSecretBox(config.secretKey),
      storage: createS3Storage({ endpoint: config.s3Endpoint!, region: config.s3Region, forcePathStyle: config.s3ForcePathStyle }),
      // A per-isolate bucket would not limit an account: count its recorded calls in Postgres.
      cloudtrailRateLimitStore: "recorded-calls",
      ...(settings.rateLimit ? { cloudtrailRateLimit: settings.rateLimit } : {}),
    },
  };
  return isolate;
}

export default {
  async fetch(request: Request, env: EdgeBindings, ctx?: EdgeExecutionContext): Promise<Response> {
    let current: Isolate;
    try {
      current = isolateFor(env);
    } catch (error) {
      if (!(error instanceof EdgeConfigError)) throw error;
      console.error(JSON.stringify({ level: "error", msg: error.message }));
      return errorResponse(new DomainError("ServiceUnavailableException", `The edge deployment is misconfigured. ${error.message}.`), "cloudtrail");
    }
    const database = openRequestDatabase(current.settings.databaseUrl, current.knownPartitions, current.settings.config.queryTimeoutMs);
    const scope: EdgeRequestScope = {
      deps: { ...current.shared, database },
      // Cloudflare sets cf-connecting-ip to the client's address (a client cannot choose it).
      remoteAddress: request.headers.get("cf-connecting-ip") ?? undefined,
    };
    try {
      return await current.app.fetch(request, scope);
    } finally {
      const closed = database.close().catch(() => {});
      if (ctx) ctx.waitUntil(closed);
      else await closed;
    }
  },
};

const LEVELS: Record<EdgeLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** JSON lines on the runtime's console (Workers Logs / `wrangler tail` collect them). */
function consoleLogger(level: EdgeLogLevel): Logger {
  const write = (lvl: Exclude<EdgeLogLevel, "silent" | "debug">, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] >= LEVELS[level]) console.error(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return { info: (m, f) => write("info", m, f), warn: (m, f) => write("warn", m, f), error: (m, f) => write("error", m, f) };
}
