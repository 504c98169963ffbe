/**
 * The CLI end to end: a real server on a random port, the CLI spawned as operators run it.
 * Also the service's own start-up errors (bad configuration, busy port).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../config.ts";
import { rowsOf, type Database } from "../db/client.ts";
import { silentLogger } from "../logger.ts";
import { startServer, type RunningServer } from "../server.ts";
import { createTestDatabase, ensureAccount, TEST_OPERATOR_TOKEN as TOKEN, testAccountId, testEnv } from "../test-kit/index.ts";
import { sql } from "drizzle-orm";

const CLI = new URL("./cli.ts", import.meta.url).pathname;
const SERVER = new URL("../server.ts", import.meta.url).pathname;
let database: Database;
let server: RunningServer;
let dataDir: string;

const serviceEnv = (extra: Record<string, string> = {}) => testEnv(dataDir, extra);

/** Account acme with project production and user alice, for the tests that read it or fail on it (created if missing; no test changes it). */
const acme = () => ensureAccount({ database }, "acme", { projects: ["production"], users: ["alice"] });

/** Runs `bun cli.ts …` with only the given environment (plus PATH), like an operator's shell. */
async function admin(args: string[], env: Record<string, string> = { ACTIVITY_LOG_URL: server.url, OPERATOR_TOKEN: TOKEN }) {
  const proc = Bun.spawn(["bun", CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
    cwd: dataDir,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

function expectOneLineError(r: { stdout: string; stderr: string; code: number }, code: number, message: RegExp) {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+/); // no stack frames
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "al-cli-"));
  database = await createTestDatabase();
  server = await startServer({ env: serviceEnv(), port: 0, database, webDir: null, logger: silentLogger });
});
afterAll(async () => {
  await server?.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("admin CLI against a running service", () => {
  test("/healthz answers", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  test("account create prints the contract's JSON", async () => {
    const r = await admin(["account", "create", "initech"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ accountId: expect.stringMatching(/^\d{12}$/), alias: "initech", project: "default", systemUser: "system" });
  });

  test("a leading -- (as `bun run admin -- …` may pass it) is ignored", async () => {
    const hooli = await ensureAccount({ database }, "hooli");
    const r = await admin(["--", "project", "create", "hooli", "production"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ accountId: hooli, project: "production" });
  });

  test("user, group, key, subscription and quota commands", async () => {
    // An account of its own, with the project its commands refer to.
    const globex = await ensureAccount({ database }, "globex", { projects: ["production"] });
    const user = await admin(["user", "create", "globex", "alice", "--password", "alice-password-1"]);
    expect(JSON.parse(user.stdout)).toEqual({ user: "alice", password: "alice-password-1" });
    const generated = JSON.parse((await admin(["user", "create", "globex", "bob"])).stdout);
    expect(generated.user).toBe("bob");
    expect(generated.password.length).toBeGreaterThanOrEqual(16);
    expect((await admin(["group", "add", "globex", "alice", "production"])).code).toBe(0);
    const key = JSON.parse((await admin(["key", "create", "globex", "alice", "production"])).stdout);
    expect(Object.keys(key)).toEqual(["AccessKeyId", "SecretAccessKey"]);
    expect(key.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    const imported = JSON.parse(
      (await admin(["key", "create", "globex", "bob", "default", "--access-key-id", "IMPORTED0001", "--secret-access-key", "imported-secret"])).stdout,
    );
    expect(imported).toEqual({ AccessKeyId: "IMPORTED0001", SecretAccessKey: "imported-secret" });
    expect(JSON.parse((await admin(["subscription", "set", "globex", "inactive"])).stdout)).toEqual({ accountId: globex, subscription: "inactive" });
    expect(JSON.parse((await admin(["quota", "set", "globex", "trails", "4"])).stdout)).toEqual({ accountId: globex, quota: "trails", value: 4 });
    expect(JSON.parse((await admin(["account", "show", "globex"])).stdout)).toMatchObject({ subscription: "inactive", quotas: { trails: 4 } });
    expect((await admin(["group", "remove", "globex", "alice", "production"])).code).toBe(0);
    // Event rules: the list (none yet) with the quota, and the quota changed.
    expect(JSON.parse((await admin(["rules", "quota", "globex", "25"])).stdout)).toEqual({ accountId: globex, quota: "rules", value: 25 });
    expect(JSON.parse((await admin(["rules", "list", "globex"])).stdout)).toMatchObject({ accountId: globex, quota: { used: 0, limit: 25 }, rules: [] });
  });

  test("every operator action is recorded as an event of the account, without secrets", async () => {
    // An account of its own, administered through the CLI here.
    for (const args of [
      ["account", "create", "umbrella"],
      ["project", "create", "umbrella", "production"],
      ["user", "create", "umbrella", "alice", "--password", "alice-password-1"],
      ["user", "create", "umbrella", "bob"],
      ["group", "add", "umbrella", "alice", "production"],
      ["key", "create", "umbrella", "alice", "production"],
      ["key", "create", "umbrella", "bob", "default", "--access-key-id", "IMPORTED0002", "--secret-access-key", "imported-secret"],
      ["subscription", "set", "umbrella", "inactive"],
      ["quota", "set", "umbrella", "trails", "4"],
      ["group", "remove", "umbrella", "alice", "production"],
    ]) {
      expect((await admin(args)).code).toBe(0);
    }
    const rows = await rowsOf<{
      event_name: string;
      user_name: string;
      event_source: string;
      request_parameters: unknown;
      response_elements: unknown;
      error_code: string | null;
    }>(
      database.db,
      sql`select event_name, user_name, event_source, request_parameters, response_elements, error_code from events where account_id = (select id from accounts where alias = 'umbrella') order by event_time`,
    );
    const names = rows.map((r) => r.event_name);
    for (const name of [
      "CreateAccount",
      "CreateProject",
      "CreateUser",
      "AddUserToGroup",
      "CreateAccessKey",
      "SetSubscription",
      "SetQuota",
      "RemoveUserFromGroup",
    ]) {
      expect(names).toContain(name);
    }
    for (const r of rows) {
      expect(r.user_name).toBe("operator");
      expect(r.event_source).toBe("activitylog.operator");
    }
    const all = JSON.stringify(rows);
    expect(all).not.toContain("alice-password-1");
    expect(all).not.toContain("imported-secret");
  });

  test("unknown account, duplicate user, bad quota name: one line, exit 1", async () => {
    await acme();
    expectOneLineError(await admin(["user", "create", "nope", "x"]), 1, /^NotFoundException: Account nope does not exist\.$/m);
    expectOneLineError(
      await admin(["user", "create", "acme", "alice"]),
      1,
      new RegExp(`^ConflictException: User alice already exists in account ${testAccountId("acme")}\\.$`, "m"),
    );
    expectOneLineError(await admin(["account", "create", "acme"]), 1, /ConflictException: Account acme already exists\./);
    expectOneLineError(
      await admin(["quota", "set", "acme", "bogus", "3"]),
      1,
      /ValidationException: .*trails, retentionDays, reportsStored, reportsGenerating, reportTtlHours/,
    );
    expectOneLineError(await admin(["quota", "set", "acme", "trails", "0"]), 1, /ValidationException/);
    expectOneLineError(await admin(["account", "create", "Bad Name"]), 1, /ValidationException: Account name/);
    expectOneLineError(
      await admin(["validate-trail", "acme", "t1", "--from", "2026-11-01T00:00:00Z"]),
      1,
      /^NotFoundException: Trail t1 does not exist in account \d{12}\.$/m,
    );
  });

  test("usage errors exit 2; help exits 0", async () => {
    expectOneLineError(await admin(["account", "delete", "acme"]), 2, /Unknown command/);
    expectOneLineError(await admin(["quota", "set", "acme", "trails"]), 2, /quota set takes/);
    const help = await admin(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("account create <alias>");
    expect((await admin([])).code).toBe(2);
  });

  test("a wrong token is refused", async () => {
    expectOneLineError(
      await admin(["account", "create", "evil"], { ACTIVITY_LOG_URL: server.url, OPERATOR_TOKEN: "not-the-token-at-all" }),
      1,
      /UnauthorizedException/,
    );
  });

  test("without OPERATOR_TOKEN the token is read from $DATA_DIR/secrets.json, never created", async () => {
    await acme();
    const dir = join(dataDir, "cli-secrets");
    const missing = await admin(["account", "show", "acme"], { ACTIVITY_LOG_URL: server.url, DATA_DIR: dir });
    expectOneLineError(missing, 1, /OPERATOR_TOKEN is not set and .*secrets\.json does not exist/);
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    writeFileSync(join(dir, "secrets.json"), JSON.stringify({ SECRET_KEY: "x", INGEST_TOKEN: "y", OPERATOR_TOKEN: TOKEN }));
    const ok = await admin(["account", "show", "acme"], { ACTIVITY_LOG_URL: server.url, DATA_DIR: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ alias: "acme", accountId: expect.stringMatching(/^\d{12}$/) });
    writeFileSync(join(dir, "secrets.json"), "{broken");
    expectOneLineError(await admin(["account", "show", "acme"], { ACTIVITY_LOG_URL: server.url, DATA_DIR: dir }), 1, /not readable JSON/);
  });

  test("an unreachable service is a one-line error naming the URL", async () => {
    const r = await admin(["account", "show", "acme"], { ACTIVITY_LOG_URL: "http://127.0.0.1:9", OPERATOR_TOKEN: TOKEN });
    expectOneLineError(r, 1, /Cannot reach the Activity Log service at http:\/\/127\.0\.0\.1:9/);
    expectOneLineError(await admin(["account", "show", "acme"], { ACTIVITY_LOG_URL: "ftp://x", OPERATOR_TOKEN: TOKEN }), 1, /ACTIVITY_LOG_URL must be an http/);
  });
});

describe("start-up errors", () => {
  test("invalid configuration is a ConfigError naming the variable", async () => {
    await expect(startServer({ env: serviceEnv({ PORT: "eighty" }), webDir: null, logger: silentLogger })).rejects.toThrow(/PORT/);
    await expect(startServer({ env: serviceEnv({ HOST: "bad host!" }), port: 0, webDir: null, logger: silentLogger, database })).rejects.toThrow(ConfigError);
    await expect(startServer({ env: serviceEnv({ DATABASE_URL: "mysql://x" }), webDir: null, logger: silentLogger })).rejects.toThrow(
      /DATABASE_URL must start with postgres/,
    );
    await expect(startServer({ env: serviceEnv({ LOG_LEVEL: "loud" }), port: 0, webDir: null, database })).rejects.toThrow(/LOG_LEVEL: must be one of/);
  });

  test("a busy port is a clear error", async () => {
    const port = Number(new URL(server.url).port);
    await expect(startServer({ env: serviceEnv(), port, database, webDir: null, logger: silentLogger })).rejects.toThrow(/already in use/);
  });

  test("the server entry exits 1 with a one-line message on bad configuration", async () => {
    const proc = Bun.spawn(["bun", SERVER], { env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, PORT: "99999" }, stdout: "pipe", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^Invalid configuration: PORT/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });
});
