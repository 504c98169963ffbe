// How many statements a LookupEvents costs the database: the caller (key, user, groups,
// subscription, quotas — and with the edge's rate limit, the account's recent calls) in one, the
// page in one, the record of the call in one. Counted on the driver underneath, both drivers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { Database, Db } from "../db/client.ts";
import { insertEvents } from "../db/events.ts";
import { addToGroup, createAccessKey, createAccount } from "../db/iam.ts";
import * as schema from "../db/schema/index.ts";
import { cloudTrailClient, createTestDatabase, startTestServer, testEvent, type TestServer } from "../test-kit/index.ts";

/** The same database with every statement sent to the server noted in `statements`. */
function counted(database: Database): { database: Database; statements: string[] } {
  const statements: string[] = [];
  const note = (text: unknown) => statements.push(String(text).replace(/\s+/g, " "));
  if (database.pg) {
    const pg = new Proxy(database.pg, {
      get(target, prop, receiver) {
        if (prop === "unsafe") {
          return (text: string, ...rest: unknown[]) => {
            note(text);
            return (target.unsafe as (...a: unknown[]) => unknown)(text, ...rest);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as postgres.Sql;
    const db = drizzlePostgres(pg, { schema }) as unknown as Db;
    return { database: { ...database, pg, db }, statements };
  }
  const pglite = new Proxy(database.pglite!, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "query" || prop === "exec") {
        return (text: string, ...rest: unknown[]) => {
          note(text);
          return (value as (...a: unknown[]) => unknown).call(target, text, ...rest);
        };
      }
      return value.bind(target);
    },
  }) as PGlite;
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  return { database: { ...database, pglite, db }, statements };
}

let base: Database;
let h: TestServer;
let statements: string[];
let ct: CloudTrailClient;
let accountId: string;

beforeAll(async () => {
  base = await createTestDatabase();
  const c = counted(base);
  statements = c.statements;
  h = await startTestServer({ storage: "local", database: c.database });
  // The account's system user holds the key (no password to hash: the setup stays quick).
  const account = await createAccount(base.db, "round-trips");
  accountId = account.accountId;
  await addToGroup(base.db, accountId, account.systemUser, "default");
  const pair = await createAccessKey(base.db, h.deps.secrets, accountId, account.systemUser, "default");
  ct = cloudTrailClient(h, { accessKeyId: pair.AccessKeyId, secretAccessKey: pair.SecretAccessKey });
  const now = Date.now();
  await insertEvents(
    base,
    [1, 2, 3].map((i) => testEvent(accountId, now - i * 60_000, { eventName: "StopInstances" })),
  );
  // The first call of a process learns which day partitions exist; later calls do not ask again.
  await ct.send(new LookupEventsCommand({ MaxResults: 1 }));
}, 120_000);

afterAll(async () => {
  ct?.destroy();
  await h?.close();
  await base?.close();
}, 30_000);

/** The statements one call makes. */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  statements.length = 0;
  await run();
  return [...statements];
}

describe("LookupEvents round trips", () => {
  const query = { LookupAttributes: [{ AttributeKey: "EventName" as const, AttributeValue: "StopInstances" }], MaxResults: 2 };

  test("a page costs three statements: the caller, the page, the record of the call", async () => {
    let nextToken: string | undefined;
    const first = await statementsOf(async () => {
      nextToken = (await ct.send(new LookupEventsCommand(query))).NextToken;
    });
    expect(first).toHaveLength(3);
    expect(first[0]).toContain("from access_keys k join users u");
    expect(first[1]).toContain("from events where");
    expect(first[2]).toContain("insert into events");
    expect(nextToken).toBeDefined();
    const next = await statementsOf(() => ct.send(new LookupEventsCommand({ ...query, NextToken: nextToken })));
    expect(next).toHaveLength(3);
  }, 30_000);

  test("with the edge's rate limit (recent calls counted in Postgres) it is still three", async () => {
    h.deps.cloudtrailRateLimitStore = "recorded-calls";
    try {
      const made = await statementsOf(() => ct.send(new LookupEventsCommand(query)));
      expect(made).toHaveLength(3);
      expect(made[0]).toContain("from access_keys k join users u");
    } finally {
      h.deps.cloudtrailRateLimitStore = undefined;
    }
  }, 30_000);
});
