import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import ipaddr from "ipaddr.js";
import * as v from "valibot";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";

/** Everything the service reads from its environment, validated once at start-up. */
export interface Config {
  port: number;
  dataDir: string;
  /** Set: Postgres server. Unset: embedded PGlite in `$DATA_DIR/pg`. */
  databaseUrl: string | undefined;
  /** Set: any S3-compatible endpoint. Unset: the directory `$DATA_DIR/objects`. */
  s3Endpoint: string | undefined;
  s3Region: string;
  s3ForcePathStyle: boolean;
  reportsBucket: string;
  reportsAccessKeyId: string | undefined;
  reportsSecretAccessKey: string | undefined;
  secretKey: string;
  ingestToken: string;
  operatorToken: string;
  region: string;
  demo: boolean;
  /** Where the server listens; 127.0.0.1 unless a deployment exposes the port on purpose. */
  host: string;
  logLevel: LogLevel;
  /** Connections per process to a Postgres server. */
  dbPoolSize: number;
  /** Statement timeout of queries a caller shapes (LookupEvents, console events, histogram, search). */
  queryTimeoutMs: number;
  /** Peers whose X-Forwarded-For is believed (TRUSTED_PROXIES, CIDRs); empty: the socket peer is the client. */
  trustedProxies: string[];
  /**
   * RULES_ALLOWED_HOSTS: host names, addresses or CIDRs rule webhooks may reach over plain http and
   * at private addresses (core's WebhookTargetPolicy). Empty: https to public addresses only.
   */
  rulesAllowedHosts: string[];
}

const bool = (name: string) =>
  v.pipe(
    v.optional(v.string()),
    v.check((s) => s === undefined || /^(1|0|true|false|yes|no)$/i.test(s), `${name} must be 1/0, true/false or yes/no`),
    v.transform((s) => (s === undefined ? undefined : /^(1|true|yes)$/i.test(s))),
  );

/** A comma-separated list (blanks dropped) whose every entry passes `valid`; `what` names them in the error. */
const commaList = (valid: (entry: string) => boolean, what: string) =>
  v.pipe(
    v.string(),
    v.transform((s) =>
      s
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    ),
    v.check(
      (list) => list.every(valid),
      (issue) => `must be a comma-separated list of ${what}; got ${String(issue.input)}`,
    ),
  );

const EnvSchema = v.object({
  PORT: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/, "PORT must be a number"), v.transform(Number), v.minValue(0), v.maxValue(65535)), "8080"),
  DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1)), "./.data"),
  DATABASE_URL: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://"))),
  S3_ENDPOINT: v.optional(v.pipe(v.string(), v.url("S3_ENDPOINT must be a URL such as http://127.0.0.1:9000"))),
  S3_REGION: v.optional(v.string(), "us-east-1"),
  S3_FORCE_PATH_STYLE: bool("S3_FORCE_PATH_STYLE"),
  REPORTS_BUCKET: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "REPORTS_BUCKET must be a valid bucket name")),
    "activity-log-reports",
  ),
  REPORTS_ACCESS_KEY_ID: v.optional(v.string()),
  REPORTS_SECRET_ACCESS_KEY: v.optional(v.string()),
  SECRET_KEY: v.optional(v.pipe(v.string(), v.minLength(16, "SECRET_KEY must be at least 16 characters"))),
  INGEST_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "INGEST_TOKEN must be at least 16 characters"))),
  OPERATOR_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "OPERATOR_TOKEN must be at least 16 characters"))),
  REGION: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}-[a-z]+(-\d+)?$|^[a-z]{2}-[a-z]+-\d$/, "REGION must look like ru-msk or us-east-1")), "ru-msk"),
  DEMO: bool("DEMO"),
  HOST: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9.:-]+$/, (issue) => `must be a host name or IP address such as 127.0.0.1 or 0.0.0.0; got ${issue.input}`),
    ),
    "127.0.0.1",
  ),
  LOG_LEVEL: v.optional(
    v.picklist(LOG_LEVELS, (issue) => `must be one of ${LOG_LEVELS.join(", ")}; got ${issue.input}`),
    "info",
  ),
  QUERY_TIMEOUT_MS: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,7}$/, "QUERY_TIMEOUT_MS must be a number of milliseconds"), v.transform(Number), v.minValue(1), v.maxValue(3_600_000)),
    "10000",
  ),
  TRUSTED_PROXIES: v.optional(commaList(isCidrOrAddress, "CIDRs or addresses such as 10.0.0.0/8,127.0.0.1")),
  RULES_ALLOWED_HOSTS: v.optional(
    commaList(
      (entry) => isCidrOrAddress(entry) || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(entry),
      "host names, addresses or CIDRs such as hooks.internal,10.1.0.0/16,127.0.0.1",
    ),
  ),
  DB_POOL_SIZE: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, "must be a whole number"), v.transform(Number), v.minValue(1, "must be at least 1")), "10"),
});

/** `10.0.0.0/8`, `fd00::/8` or a single address (a /32 or /128). */
function isCidrOrAddress(entry: string): boolean {
  try {
    if (entry.includes("/")) ipaddr.parseCIDR(entry);
    else ipaddr.parse(entry);
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {}

/** The secrets generated for embedded mode, kept in `$DATA_DIR/secrets.json` (mode 0600). */
type GeneratedSecrets = { SECRET_KEY: string; INGEST_TOKEN: string; OPERATOR_TOKEN: string };

function secretsFile(dataDir: string): string {
  return join(dataDir, "secrets.json");
}

/** Reads the embedded-mode secrets, creating them on first use. */
function loadOrCreateSecrets(dataDir: string): GeneratedSecrets {
  const file = secretsFile(dataDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as GeneratedSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: GeneratedSecrets = {
    SECRET_KEY: randomBytes(32).toString("base64url"),
    INGEST_TOKEN: randomBytes(24).toString("base64url"),
    OPERATOR_TOKEN: randomBytes(24).toString("base64url"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * Validates the environment. Secrets that are unset are generated into `$DATA_DIR` in embedded mode;
 * with a Postgres server they must be given, since several processes must share them.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = v.safeParse(EnvSchema, env);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const key = issue.path?.map((p) => String(p.key)).join(".") ?? "environment";
    throw new ConfigError(`Invalid configuration: ${key}: ${issue.message}`);
  }
  const e = parsed.output;
  const dataDir = resolve(e.DATA_DIR);
  const embedded = !e.DATABASE_URL;
  const missing = (["SECRET_KEY", "INGEST_TOKEN", "OPERATOR_TOKEN"] as const).filter((k) => !e[k]);
  if (missing.length > 0 && !embedded) {
    throw new ConfigError(`Invalid configuration: ${missing.join(", ")} must be set when DATABASE_URL is set (they are generated only in embedded mode)`);
  }
  const generated = missing.length > 0 ? loadOrCreateSecrets(dataDir) : undefined;
  if (Boolean(e.REPORTS_ACCESS_KEY_ID) !== Boolean(e.REPORTS_SECRET_ACCESS_KEY)) {
    throw new ConfigError("Invalid configuration: REPORTS_ACCESS_KEY_ID and REPORTS_SECRET_ACCESS_KEY must be set together");
  }
  return {
    port: e.PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    s3Endpoint: e.S3_ENDPOINT,
    s3Region: e.S3_REGION,
    s3ForcePathStyle: e.S3_FORCE_PATH_STYLE ?? true,
    reportsBucket: e.REPORTS_BUCKET,
    reportsAccessKeyId: e.REPORTS_ACCESS_KEY_ID,
    reportsSecretAccessKey: e.REPORTS_SECRET_ACCESS_KEY,
    secretKey: e.SECRET_KEY ?? generated!.SECRET_KEY,
    ingestToken: e.INGEST_TOKEN ?? generated!.INGEST_TOKEN,
    operatorToken: e.OPERATOR_TOKEN ?? generated!.OPERATOR_TOKEN,
    region: e.REGION,
    demo: e.DEMO ?? true,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dbPoolSize: e.DB_POOL_SIZE,
    queryTimeoutMs: e.QUERY_TIMEOUT_MS,
    trustedProxies: e.TRUSTED_PROXIES ?? [],
    rulesAllowedHosts: e.RULES_ALLOWED_HOSTS ?? [],
  };
}

/** What `bun run admin` needs to reach the running service's operator API. */
export interface OperatorClientConfig {
  url: string;
  token: string;
}

/**
 * ACTIVITY_LOG_URL (default http://127.0.0.1:$PORT) and OPERATOR_TOKEN — else the token embedded
 * mode generated into $DATA_DIR, which is only ever read here.
 */
export function loadOperatorClientConfig(env: Record<string, string | undefined> = process.env): OperatorClientConfig {
  const url = env.ACTIVITY_LOG_URL || `http://127.0.0.1:${env.PORT || "8080"}`;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new ConfigError(`ACTIVITY_LOG_URL must be an http(s) URL such as http://127.0.0.1:8080; got ${url}.`);
  return { url: url.replace(/\/+$/, ""), token: env.OPERATOR_TOKEN || generatedOperatorToken(resolve(env.DATA_DIR || "./.data")) };
}

function generatedOperatorToken(dataDir: string): string {
  const file = secretsFile(dataDir);
  if (!existsSync(file)) {
    throw new ConfigError(`OPERATOR_TOKEN is not set and ${file} does not exist: start the service first (bun run start) or set OPERATOR_TOKEN.`);
  }
  let token: unknown;
  try {
    token = (JSON.parse(readFileSync(file, "utf8")) as { OPERATOR_TOKEN?: unknown }).OPERATOR_TOKEN;
  } catch {
    throw new ConfigError(`${file} is not readable JSON; set OPERATOR_TOKEN instead.`);
  }
  if (typeof token !== "string" || !token) throw new ConfigError(`${file} holds no OPERATOR_TOKEN; set OPERATOR_TOKEN instead.`);
  return token;
}
