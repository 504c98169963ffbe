/**
 * `bun run admin -- <command>`: the operators' CLI, a thin client of the running service's operator
 * API, so it works while `bun run start` owns the embedded database. JSON on stdout; on failure one
 * line on stderr and exit 1 (2 for usage errors); never a stack trace.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { secretsFile } from "../config.ts";
import { parseCommand, USAGE, UsageError, type OperatorRequest } from "./commands.ts";

class CliError extends Error {}

type Env = Record<string, string | undefined>;

export function serviceUrl(env: Env): string {
  const url = env.ACTIVITY_LOG_URL || `http://127.0.0.1:${env.PORT || "8080"}`;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new CliError(`ACTIVITY_LOG_URL must be an http(s) URL such as http://127.0.0.1:8080; got ${url}.`);
  return url.replace(/\/+$/, "");
}

/** OPERATOR_TOKEN, else the token the embedded service generated into $DATA_DIR. Only ever reads. */
export function operatorToken(env: Env): string {
  if (env.OPERATOR_TOKEN) return env.OPERATOR_TOKEN;
  const file = secretsFile(resolve(env.DATA_DIR || "./.data"));
  if (!existsSync(file)) {
    throw new CliError(`OPERATOR_TOKEN is not set and ${file} does not exist: start the service first (bun run start) or set OPERATOR_TOKEN.`);
  }
  let token: unknown;
  try {
    token = (JSON.parse(readFileSync(file, "utf8")) as { OPERATOR_TOKEN?: unknown }).OPERATOR_TOKEN;
  } catch {
    throw new CliError(`${file} is not readable JSON; set OPERATOR_TOKEN instead.`);
  }
  if (typeof token !== "string" || !token) throw new CliError(`${file} holds no OPERATOR_TOKEN; set OPERATOR_TOKEN instead.`);
  return token;
}

async function send(request: OperatorRequest, env: Env): Promise<unknown> {
  const base = serviceUrl(env);
  const token = operatorToken(env);
  let res: Response;
  try {
    res = await fetch(`${base}/internal/v1/operator${request.path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new CliError(`Cannot reach the Activity Log service at ${base} (${reason}): is it running (bun run start)? Set ACTIVITY_LOG_URL to point elsewhere.`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new CliError(`The service at ${base} answered HTTP ${res.status} with a non-JSON body; is ACTIVITY_LOG_URL the Activity Log service?`);
  }
  if (!res.ok) {
    const { error, message } = (body ?? {}) as { error?: string; message?: string };
    throw new CliError(`${error ?? `HTTP ${res.status}`}: ${message ?? "the request failed."}`);
  }
  return body;
}

/** Runs one command line; returns the exit code. Output goes through the given writers (tests capture them). */
export async function runCli(
  argv: string[],
  env: Env,
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  if (args.length === 0 || ["help", "--help", "-h"].includes(args[0]!)) {
    (args.length === 0 ? err : out)(`${USAGE}\n`);
    return args.length === 0 ? 2 : 0;
  }
  try {
    const request = parseCommand(args);
    const body = await send(request, env);
    out(`${JSON.stringify(body, null, 2)}\n`);
    // validate-trail answers 200 either way; the exit status says whether the trail is intact.
    if (request.validation && (body as { valid?: unknown }).valid !== true) return 1;
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message} Run \`bun run admin -- help\` for usage.\n`);
      return 2;
    }
    // One line, never a stack: operators read this, and scripts grep it.
    const message = e instanceof CliError ? e.message : `Unexpected failure: ${e instanceof Error ? e.message : String(e)}`;
    err(`${message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}
