/**
 * The edge deployment's configuration: the Worker's bindings (wrangler.toml `[vars]`, secrets, the
 * Hyperdrive binding; `bun run edge:dev` passes the same names), validated once per isolate with
 * the same rules and messages as config.ts gives the Bun server.
 */
import * as v from "valibot";
import type { RateLimit } from "../cloudtrail/rate-limit.ts";
import type { Config } from "../config.ts";

/** What Cloudflare hands the Worker as `env`: text vars and secrets, and the Hyperdrive binding. */
export interface EdgeBindings {
  /** Cloudflare Hyperdrive: pooled connections to the Postgres server, close to the Worker. */
  HYPERDRIVE?: { connectionString: string };
  /** A direct connection string instead of Hyperdrive (local runs, `bun run edge:dev`). */
  DATABASE_URL?: string;
  SECRET_KEY?: string;
  REGION?: string;
  S3_ENDPOINT?: string;
  S3_REGION?: string;
  S3_FORCE_PATH_STYLE?: string;
  LOG_LEVEL?: string;
  /** The CloudTrail API's per-account limit as `<calls per second>/<burst>`; default 20/50. */
  CLOUDTRAIL_RATE_LIMIT?: string;
  /** Statement timeout of caller-shaped queries (LookupEvents), in ms; default 10000, as on the Bun server. */
  QUERY_TIMEOUT_MS?: string;
}

/** Everything an isolate needs, from the bindings. */
export interface EdgeSettings {
  /** The connection string each request's client opens (Hyperdrive's when bound). */
  databaseUrl: string;
  config: Config;
  logLevel: EdgeLogLevel;
  rateLimit: RateLimit | undefined;
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type EdgeLogLevel = (typeof LOG_LEVELS)[number];

const BindingsSchema = v.object({
  DATABASE_URL: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://"))),
  SECRET_KEY: v.optional(v.pipe(v.string(), v.minLength(16, "SECRET_KEY must be at least 16 characters"))),
  REGION: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}-[a-z]+(-\d+)?$/, "REGION must look like ru-msk or us-east-1")), "ru-msk"),
  S3_ENDPOINT: v.optional(v.pipe(v.string(), v.url("S3_ENDPOINT must be a URL such as https://s3.example.com"))),
  S3_REGION: v.optional(v.string(), "us-east-1"),
  S3_FORCE_PATH_STYLE: v.optional(v.pipe(v.string(), v.regex(/^(1|0|true|false|yes|no)$/i, "S3_FORCE_PATH_STYLE must be 1/0, true/false or yes/no")), "true"),
  LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`), "info"),
  QUERY_TIMEOUT_MS: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,7}$/, "QUERY_TIMEOUT_MS must be a number of milliseconds"), v.transform(Number), v.minValue(1)),
    "10000",
  ),
  CLOUDTRAIL_RATE_LIMIT: v.optional(v.pipe(v.string(), v.regex(/^\d+(\.\d+)?\/\d+$/, "CLOUDTRAIL_RATE_LIMIT must look like 20/50 (calls per second / burst)"))),
});

export class EdgeConfigError extends Error {}

export function readEdgeBindings(env: EdgeBindings): EdgeSettings {
  const parsed = v.safeParse(BindingsSchema, env);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new EdgeConfigError(`Invalid configuration: ${issue.path?.map((p) => String(p.key)).join(".") ?? "bindings"}: ${issue.message}`);
  }
  const e = parsed.output;
  const databaseUrl = env.HYPERDRIVE?.connectionString ?? e.DATABASE_URL;
  if (!databaseUrl) throw new EdgeConfigError("Invalid configuration: bind Hyperdrive as HYPERDRIVE, or set DATABASE_URL");
  if (!e.SECRET_KEY) {
    throw new EdgeConfigError(
      "Invalid configuration: SECRET_KEY must be set (wrangler secret put SECRET_KEY), to the Bun server's so stored keys and page tokens work on both",
    );
  }
  if (!e.S3_ENDPOINT)
    throw new EdgeConfigError("Invalid configuration: S3_ENDPOINT must be set: the edge has no files, trail buckets are checked on an S3 endpoint");
  const [rate, burst] = e.CLOUDTRAIL_RATE_LIMIT?.split("/").map(Number) ?? [];
  if (rate === 0) throw new EdgeConfigError("Invalid configuration: CLOUDTRAIL_RATE_LIMIT: the rate must be above 0");
  return {
    databaseUrl,
    logLevel: e.LOG_LEVEL,
    rateLimit: rate && burst ? { ratePerSecond: rate, burst } : undefined,
    config: {
      port: 0,
      dataDir: "",
      databaseUrl,
      s3Endpoint: e.S3_ENDPOINT,
      s3Region: e.S3_REGION,
      s3ForcePathStyle: /^(1|true|yes)$/i.test(e.S3_FORCE_PATH_STYLE),
      reportsBucket: "activity-log-reports",
      reportsAccessKeyId: undefined,
      reportsSecretAccessKey: undefined,
      secretKey: e.SECRET_KEY,
      // Ingest and the operator API are not served on the edge: unguessable values, never used.
      ingestToken: crypto.randomUUID(),
      operatorToken: crypto.randomUUID(),
      region: e.REGION,
      demo: false,
      host: "",
      logLevel: e.LOG_LEVEL,
      dbPoolSize: 1,
      queryTimeoutMs: e.QUERY_TIMEOUT_MS,
      // The peer is cf-connecting-ip, set by Cloudflare: no X-Forwarded-For is ever believed on the edge.
      trustedProxies: [],
      rulesAllowedHosts: [],
    },
  };
}
