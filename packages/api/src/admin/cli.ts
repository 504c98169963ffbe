/**
 * `bun run admin -- <command>`: the operators' CLI, a thin client of the running service's operator
 * API, so it works while `bun run start` owns the embedded database. JSON on stdout; on failure one
 * line on stderr and exit 1 (2 for usage errors); never a stack trace.
 */
import { ConfigError, loadOperatorClientConfig } from "../config.ts";
import { type OperatorRequest, parseCommand, USAGE, UsageError } from "./commands.ts";

class CliError extends Error {}

type Env = Record<string, string | undefined>;

async function send(request: OperatorRequest, env: Env | undefined): Promise<unknown> {
  const { url: base, token } = loadOperatorClientConfig(env);
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
  /** The environment to configure from; default the process environment (read by config.ts). */
  env?: Env,
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
    const message = e instanceof CliError || e instanceof ConfigError ? e.message : `Unexpected failure: ${e instanceof Error ? e.message : String(e)}`;
    err(`${message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
