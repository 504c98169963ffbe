import { DomainError } from "@activity-log/core";
import { type Context, Hono } from "hono";
import { sql } from "drizzle-orm";
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
 * `/healthz` (200 when the database answers), recording of every call, and the one error mapper.
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
    .get("/healthz", async (c) => {
      c.get("call").record = false;
      await c.get("deps").database.db.execute(sql`select 1`);
      return c.json({ status: "ok" });
    })
    .use(recordCalls());
  app.onError(handleError);
  // A path no router serves is an error like any other: same handler, same shape.
  app.notFound((c) => handleError(new DomainError("NotFoundException", `There is no route ${c.req.method} ${c.req.path}.`), c));
  return app;
}
