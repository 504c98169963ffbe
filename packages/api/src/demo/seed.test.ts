import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecretBox } from "../auth/secret-box.ts";
import { fixedClock } from "../clock.ts";
import { loadConfig } from "../config.ts";
import type { Database } from "../db/client.ts";
import { findAccessKey, findUserForSignIn, listProjects, verifyPassword } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import { queryEventPage } from "../events/query-service.ts";
import { silentLogger } from "../logger.ts";
import { createStorage } from "../storage/index.ts";
import { createTestDatabase } from "../test-kit/database.ts";
import { loadDemoCredentials, seedDemo } from "./seed.ts";
import { DEMO_STORY } from "./traffic.ts";

const now = new Date("2026-11-24T10:00:00Z");
const DAY = 86_400_000;
let database: Database;
let dataDir: string;

function depsWith(env: Record<string, string>): AppDeps {
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET_KEY: "seed-test-secret-key-0123456789",
    INGEST_TOKEN: "seed-test-ingest-0123456789",
    OPERATOR_TOKEN: "seed-test-operator-0123456789",
    ...env,
  });
  const secrets = createSecretBox(config.secretKey);
  return { database, config, secrets, storage: createStorage(config, database, secrets), clock: fixedClock(now), logger: silentLogger };
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), "al-seed-"));
});
afterAll(async () => {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("seedDemo", () => {
  test("DEMO=0 seeds nothing", async () => {
    expect(await seedDemo(depsWith({ DEMO: "0" }), { scale: 0.05 })).toBeNull();
    expect(await listProjects(database.db, "demo")).toEqual([]);
  });

  test("an empty database gets the demo account, whose printed credentials work", async () => {
    const deps = depsWith({});
    const seeded = await seedDemo(deps, { scale: 0.05 });
    expect(seeded).not.toBeNull();
    expect(seeded!.events).toBeGreaterThan(1_000);
    expect(await listProjects(database.db, "demo")).toEqual(["default", "production", "staging"]);
    const admin = await findUserForSignIn(database.db, "demo", "admin");
    expect(await verifyPassword(admin!.user, seeded!.password)).toBe(true);
    expect(admin!.caller.groups).toContainEqual({ project: "default", group: "ActivityLogAdministrators" });
    const key = await findAccessKey(database.db, deps.secrets, seeded!.accessKeyId);
    expect(key).toMatchObject({ secretAccessKey: seeded!.secretAccessKey, status: "Active", caller: { userName: "admin", project: "default" } });
    for (const user of ["alice", "bob", "carol", "deploy-bot", "system"]) expect(await findUserForSignIn(database.db, "demo", user)).not.toBeNull();
    expect(
      await deps.storage.withCredentials({ accessKeyId: seeded!.accessKeyId, secretAccessKey: seeded!.secretAccessKey }).list("demo-audit-archive", ""),
    ).toEqual([]);
    // Credentials are kept for later starts, readable only by the owner.
    expect(statSync(join(dataDir, "demo-credentials.json")).mode & 0o077).toBe(0);
    expect(await loadDemoCredentials(deps)).toMatchObject({ user: "admin", password: seeded!.password, accessKeyId: seeded!.accessKeyId });
  });

  test("a database with an account is left alone", async () => {
    expect(await seedDemo(depsWith({}), { scale: 0.05 })).toBeNull();
  });

  test("saved credentials are not trusted under another SECRET_KEY (another database's demo)", async () => {
    expect(await loadDemoCredentials(depsWith({ SECRET_KEY: "a-different-secret-key-0123456789" }))).toBeNull();
  });

  test("the use cases work through the event query service", async () => {
    const deps = depsWith({});
    const stops = await queryEventPage(deps, {
      accountId: "demo",
      retentionDays: 30,
      filter: { eventName: "StopInstances" },
      start: new Date(now.getTime() - 7 * DAY),
      maxResults: 1000,
    });
    expect(stops.events.some((e) => e.userName === DEMO_STORY.stoppedBy && DEMO_STORY.stoppedDatabases.every((id) => e.resourceIds.includes(id)))).toBe(true);
    const gone = await queryEventPage(deps, {
      accountId: "demo",
      retentionDays: 30,
      filter: { eventName: "TerminateInstances", resourceName: DEMO_STORY.terminatedInstance },
      maxResults: 50,
    });
    expect(gone.events.map((e) => [e.userName, e.errorCode])).toEqual([
      [DEMO_STORY.terminatedBy, null],
      ["bob", "Client.UnauthorizedOperation"],
    ]);
    const search = await queryEventPage(deps, { accountId: "demo", retentionDays: 30, filter: { search: DEMO_STORY.terminatedInstance }, maxResults: 50 });
    expect(search.events.length).toBeGreaterThanOrEqual(2);
  });
});
