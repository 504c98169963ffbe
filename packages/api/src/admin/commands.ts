/**
 * The operator CLI's grammar: argv → one operator-API request. Pure, so every command and every
 * usage error is tested without a server.
 */

export type OperatorRequest = {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: Record<string, unknown>;
  /** validate-trail: the CLI exits 1 when the answer is `valid: false`. */
  validation?: true;
};

export class UsageError extends Error {}

export const USAGE = `Usage: bun run admin -- <command>

  account create <alias>                           (prints the new 12-digit account id)
  account show <account>
  project create <account> <project>
  user create <account> <user> [--password <password>]
  group add|remove <account> <user> <project>      (ActivityLogAdministrators)
  user disable|enable|delete <account> <user>
  key create <account> <user> <project> [--access-key-id <id> --secret-access-key <secret>]
  key deactivate|activate|delete <account> <access-key-id>
  bucket create <account> <project> <bucket>        (embedded object store only)
  subscription set <account> active|inactive
  quota set <account> trails|retentionDays|reportsStored|reportsGenerating|reportTtlHours|rules <n>
  rules list <account>                              (event rules: URL, filter, state, last delivery)
  rules quota <account> <n>                         (the same as quota set <account> rules <n>)
  validate-trail <account> <trail> --from <ISO-8601> [--to <ISO-8601>]

<account> is the account's alias or its 12-digit id.
Talks to the running service at $ACTIVITY_LOG_URL (default http://127.0.0.1:$PORT, PORT 8080)
with $OPERATOR_TOKEN (default: read from $DATA_DIR/secrets.json, DATA_DIR ./.data).`;

/** Splits `--name value` options from positional arguments; only the listed options are allowed. */
function parseOptions(args: string[], allowed: string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = flag.slice(2);
    if (!allowed.includes(name)) {
      throw new UsageError(
        allowed.length
          ? `Unknown option ${flag}; this command accepts ${allowed.map((a) => `--${a}`).join(", ")}.`
          : `Unknown option ${flag}; this command takes no options.`,
      );
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`Option ${flag} needs a value.`);
    options[name] = value;
  }
  return { positional, options };
}

function expectArgs(positional: string[], names: string[], command: string): string[] {
  if (positional.length !== names.length) {
    throw new UsageError(`${command} takes ${names.map((n) => `<${n}>`).join(" ")}; got ${positional.length === 0 ? "nothing" : positional.join(" ")}.`);
  }
  return positional;
}

const seg = encodeURIComponent;

/** The request a command line stands for; throws UsageError for anything it cannot mean. */
export function parseCommand(argv: string[]): OperatorRequest {
  const [group, verb, ...rest] = argv;
  if (group === undefined) throw new UsageError("No command given.");
  const command = `${group} ${verb ?? ""}`.trim();
  switch (command) {
    case "account create": {
      const [account] = expectArgs(parseOptions(rest, []).positional, ["account"], command);
      return { method: "POST", path: "/accounts", body: { account } };
    }
    case "account show": {
      const [account] = expectArgs(parseOptions(rest, []).positional, ["account"], command);
      return { method: "GET", path: `/accounts/${seg(account!)}` };
    }
    case "project create": {
      const [account, project] = expectArgs(parseOptions(rest, []).positional, ["account", "project"], command);
      return { method: "POST", path: `/accounts/${seg(account!)}/projects`, body: { project } };
    }
    case "user create": {
      const { positional, options } = parseOptions(rest, ["password"]);
      const [account, user] = expectArgs(positional, ["account", "user"], command);
      return {
        method: "POST",
        path: `/accounts/${seg(account!)}/users`,
        body: { user, ...(options.password !== undefined ? { password: options.password } : {}) },
      };
    }
    case "group add":
    case "group remove": {
      const [account, user, project] = expectArgs(parseOptions(rest, []).positional, ["account", "user", "project"], command);
      return { method: verb === "add" ? "PUT" : "DELETE", path: `/accounts/${seg(account!)}/projects/${seg(project!)}/administrators/${seg(user!)}` };
    }
    case "key create": {
      const { positional, options } = parseOptions(rest, ["access-key-id", "secret-access-key"]);
      const [account, user, project] = expectArgs(positional, ["account", "user", "project"], command);
      const id = options["access-key-id"];
      const secret = options["secret-access-key"];
      if ((id === undefined) !== (secret === undefined))
        throw new UsageError("--access-key-id and --secret-access-key import a key pair together: give both or neither.");
      return {
        method: "POST",
        path: `/accounts/${seg(account!)}/access-keys`,
        body: { user, project, ...(id !== undefined ? { accessKeyId: id, secretAccessKey: secret } : {}) },
      };
    }
    case "user disable":
    case "user enable": {
      const [account, user] = expectArgs(parseOptions(rest, []).positional, ["account", "user"], command);
      return { method: "PUT", path: `/accounts/${seg(account!)}/users/${seg(user!)}/status`, body: { status: verb === "disable" ? "Disabled" : "Enabled" } };
    }
    case "user delete": {
      const [account, user] = expectArgs(parseOptions(rest, []).positional, ["account", "user"], command);
      return { method: "DELETE", path: `/accounts/${seg(account!)}/users/${seg(user!)}` };
    }
    case "key deactivate":
    case "key activate": {
      const [account, id] = expectArgs(parseOptions(rest, []).positional, ["account", "access-key-id"], command);
      return {
        method: "PUT",
        path: `/accounts/${seg(account!)}/access-keys/${seg(id!)}/status`,
        body: { status: verb === "deactivate" ? "Inactive" : "Active" },
      };
    }
    case "key delete": {
      const [account, id] = expectArgs(parseOptions(rest, []).positional, ["account", "access-key-id"], command);
      return { method: "DELETE", path: `/accounts/${seg(account!)}/access-keys/${seg(id!)}` };
    }
    case "bucket create": {
      const [account, project, bucket] = expectArgs(parseOptions(rest, []).positional, ["account", "project", "bucket"], command);
      return { method: "POST", path: `/accounts/${seg(account!)}/buckets`, body: { project, bucket } };
    }
    case "subscription set": {
      const [account, status] = expectArgs(parseOptions(rest, []).positional, ["account", "active|inactive"], command);
      if (status !== "active" && status !== "inactive") throw new UsageError(`subscription set takes active or inactive; got ${status}.`);
      return { method: "PUT", path: `/accounts/${seg(account!)}/subscription`, body: { status } };
    }
    case "quota set": {
      const [account, name, value] = expectArgs(parseOptions(rest, []).positional, ["account", "limit", "n"], command);
      if (!/^-?\d+$/.test(value!)) throw new UsageError(`quota set takes a whole number; got ${value}.`);
      // The server names the valid limits and ranges; the CLI does not restate them.
      return { method: "PUT", path: `/accounts/${seg(account!)}/quotas/${seg(name!)}`, body: { value: Number(value) } };
    }
    case "rules list": {
      const [account] = expectArgs(parseOptions(rest, []).positional, ["account"], command);
      return { method: "GET", path: `/accounts/${seg(account!)}/rules` };
    }
    case "rules quota": {
      const [account, value] = expectArgs(parseOptions(rest, []).positional, ["account", "n"], command);
      if (!/^-?\d+$/.test(value!)) throw new UsageError(`rules quota takes a whole number; got ${value}.`);
      return { method: "PUT", path: `/accounts/${seg(account!)}/quotas/rules`, body: { value: Number(value) } };
    }
    default:
      break;
  }
  if (group === "validate-trail") {
    const { positional, options } = parseOptions(argv.slice(1), ["from", "to"]);
    const [account, trail] = expectArgs(positional, ["account", "trail"], "validate-trail");
    if (options.from === undefined) throw new UsageError("validate-trail needs --from <ISO-8601>.");
    return {
      method: "POST",
      path: `/accounts/${seg(account!)}/trails/${seg(trail!)}/validate`,
      body: { from: options.from, ...(options.to !== undefined ? { to: options.to } : {}) },
      validation: true,
    };
  }
  throw new UsageError(`Unknown command: ${argv.join(" ")}.`);
}
