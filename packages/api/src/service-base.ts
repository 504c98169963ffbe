import { DomainError } from "@activity-log/core";
import { type Context, Hono } from "hono";
import { sql } from "drizzle-orm";
import { databaseUnavailableError } from "./db/availability.ts";
import type { AppDeps } from "./deps.ts";
import { handleError } from "./http-errors.ts";
import type { AppEnv } from "./http-context.ts";
import { recordCalls } from "./record.ts";

/**
 * Where a request's deps come from: the same for every request (the Bun server, whose pool is the
 * process's), or built for each request from what the entry hands Hono (the edge, whose database
 * client lives for one request: see edge.ts).
 */
export type DepsSource = AppDeps | ((c: Context<AppEnv>) => AppDeps);

/**
 * What every entry (the Bun server's app, the edge entry) starts from: the per-request context,
 * `/healthz` (liveness: 200 while the process serves, whatever the database), `/readyz` (readiness:
 * 200 when the database answers within READY_TIMEOUT_MS, else 503 JSON with Retry-After),
 * recording of every call, and the one error mapper.
 */
export function serviceBase(source: DepsSource) {
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set("deps", typeof source === "function" ? source(c) : source);
      c.set("requestId", crypto.randomUUID());
      c.set("call", {});
      await next();
      c.header("x-amzn-RequestId", c.get("requestId"));
    })
    .get("/healthz", (c) => {
      c.get("call").record = false;
      return c.json({ status: "ok" });
    })
    .get("/readyz", async (c) => {
      c.get("call").record = false;
      if (!(await databaseAnswers(c.get("deps")))) throw databaseUnavailableError();
      return c.json({ status: "ready" });
    })
    .use(recordCalls());
  app.onError(handleError);
  // A path no router serves is an error like any other: same handler, same shape.
  app.notFound((c) => handleError(new DomainError("NotFoundException", `There is no route ${c.req.method} ${c.req.path}.`), c));
  return app;
}

/** How long readiness waits for `select 1`: a load balancer's probe must not hang. */
const READY_TIMEOUT_MS = 2_000;

async function databaseAnswers(deps: AppDeps): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  const probe = deps.database.db.execute(sql`select 1`).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
