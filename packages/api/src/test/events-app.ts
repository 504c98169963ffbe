import { Hono } from "hono";
import { createSecretBox } from "../auth/secret-box.ts";
import { fixedClock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import { nativeQuery } from "../db/rows.ts";
import type { AppDeps } from "../deps.ts";
import { handleError } from "../http-errors.ts";
import type { AppEnv } from "../http-context.ts";
import { silentLogger } from "../logger.ts";

export const TEST_INGEST_TOKEN = "ingest-token-for-tests-0123456789";

/** Deps for tests of the events area (no object storage needed there). */
export function eventsTestDeps(database: Database, now = new Date("2026-11-24T12:00:00Z")) {
  return {
    database,
    storage: undefined as never,
    clock: fixedClock(now),
    config: { ingestToken: TEST_INGEST_TOKEN, region: "ru-msk" } as Config,
    logger: silentLogger,
    secrets: createSecretBox("test-secret-key-0123456789"),
  } satisfies AppDeps;
}

/** A Hono app with createApp's per-request context, for mounting one router under test. */
export function appWith(deps: AppDeps) {
  const app = new Hono<AppEnv>().use(async (c, next) => {
    c.set("deps", deps);
    c.set("requestId", crypto.randomUUID());
    c.set("call", {});
    await next();
  });
  app.onError(handleError);
  return app;
}

/** Inserts accounts and projects directly (the IAM module belongs to another area). */
export async function seedAccount(database: Database, accountId: string, projects: string[] = ["default"]) {
  await nativeQuery(database, `insert into accounts (id) values ($1) on conflict do nothing`, [accountId]);
  for (const p of projects) await nativeQuery(database, `insert into projects (account_id, name) values ($1, $2) on conflict do nothing`, [accountId, p]);
}
