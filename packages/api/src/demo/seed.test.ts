import { afterAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../db/client.ts";
import { findAccessKey, findUserForSignIn, hasNoAccounts, listProjects, resolveAccount, verifyPassword } from "../db/iam.ts";
import { queryEventPage } from "../events/query-service.ts";
import { createTestDeps, T0, type TestDeps } from "../test-kit/index.ts";
import { loadDemoCredentials, seedDemo } from "./seed.ts";
import { DEMO_STORY } from "./traffic.ts";

const now = T0;
const DAY = 86_400_000;
const opened: TestDeps[] = [];
afterAll(async () => {
  for (const deps of opened.reverse()) await deps.cleanup();
});

/** Deps over a database and data directory of the test's own (unless given); the demo is on (as when DEMO is unset) unless `env` says otherwise. */
async function fresh(options: { database?: Database; dataDir?: string; env?: Record<string, string> } = {}): Promise<TestDeps> {
  const deps = await createTestDeps({ ...options, env: { DEMO: "1", ...options.env } });
  opened.push(deps);
  return deps;
}

let demo: Promise<TestDeps> | undefined;
/** A database seeded with the demo (scale 0.05), made by the first test that reads one; tests only read it. */
function seededDemo(): Promise<TestDeps> {
  demo ??= fresh().then(async (deps) => {
    await seedDemo(deps, { scale: 0.05 });
    return deps;
  });
  return demo;
}

describe("seedDemo", () => {
  test("DEMO=0 seeds nothing", async () => {
    const deps = await fresh({ env: { DEMO: "0" } });
    expect(await seedDemo(deps, { scale: 0.05 })).toBeNull();
    expect(await hasNoAccounts(deps.database.db)).toBe(true);
  });

  test("an empty database gets the demo account, whose printed credentials work", async () => {
    const deps = await fresh();
    const { database } = deps;
    const seeded = await seedDemo(deps, { scale: 0.05 });
    expect(seeded).not.toBeNull();
    expect(seeded!.events).toBeGreaterThan(1_000);
    // Signed in with the alias; the events and ARNs carry the 12-digit id.
    // (Separate expects: Bun's toMatchObject writes an asymmetric matcher back into the object it checks.)
    expect(seeded!.account).toBe("demo");
    expect(seeded!.accountId).toMatch(/^\d{12}$/);
    expect(await listProjects(database.db, seeded!.accountId)).toEqual(["default", "production", "staging"]);
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
    expect(statSync(join(deps.config.dataDir, "demo-credentials.json")).mode & 0o077).toBe(0);
    expect(await loadDemoCredentials(deps)).toMatchObject({ user: "admin", password: seeded!.password, accessKeyId: seeded!.accessKeyId });
  });

  test("a database with an account is left alone", async () => {
    expect(await seedDemo(await seededDemo(), { scale: 0.05 })).toBeNull();
  });

  test("saved credentials are not trusted under another SECRET_KEY (another database's demo)", async () => {
    // The demo's database and DATA_DIR, under another key.
    const { database, config } = await seededDemo();
    const other = await fresh({ database, dataDir: config.dataDir, env: { SECRET_KEY: "a-different-secret-key-0123456789" } });
    expect(await loadDemoCredentials(other)).toBeNull();
  });

  test("the use cases work through the event query service", async () => {
    const deps = await seededDemo();
    const { accountId } = (await resolveAccount(deps.database.db, "demo"))!;
    const stops = await queryEventPage(deps, {
      accountId,
      retentionDays: 30,
      filter: { eventName: "StopInstances" },
      start: new Date(now.getTime() - 7 * DAY),
      maxResults: 1000,
    });
    expect(stops.events.some((e) => e.userName === DEMO_STORY.stoppedBy && DEMO_STORY.stoppedDatabases.every((id) => e.resourceIds.includes(id)))).toBe(true);
    const gone = await queryEventPage(deps, {
      accountId,
      retentionDays: 30,
      filter: { eventName: "TerminateInstances", resourceName: DEMO_STORY.terminatedInstance },
      maxResults: 50,
    });
    expect(gone.events.map((e) => [e.userName, e.errorCode])).toEqual([
      [DEMO_STORY.terminatedBy, null],
      ["bob", "Client.UnauthorizedOperation"],
    ]);
    const search = await queryEventPage(deps, { accountId, retentionDays: 30, filter: { search: DEMO_STORY.terminatedInstance }, maxResults: 50 });
    expect(search.events.length).toBeGreaterThanOrEqual(2);
  });
});
