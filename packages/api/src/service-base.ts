import { DomainError } from "@activity-log/core";
import { Hono } from "hono";
import { sql } from "drizzle-orm";
import type { AppDeps } from "./deps.ts";
import { handleError } from "./http-errors.ts";
import type { AppEnv } from "./http-context.ts";
import { recordCalls } from "./record.ts";

/**
 * What every entry (the Bun server's app, the edge entry) starts from: the per-request context,
 * `/healthz` (200 when the database answers), recording of every call, and the one error mapper.
 */
export function serviceBase(deps: AppDeps) {
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set("deps", deps);
      c.set("requestId", crypto.randomUUID());
      c.set("call", {});
      await next();
      c.header("x-amzn-RequestId", c.get("requestId"));
    })
    .get("/healthz", async (c) => {
      c.get("call").record = false;
      await deps.database.db.execute(sql`select 1`);
      return c.json({ status: "ok" });
    })
    .use(recordCalls());
  app.onError(handleError);
  // A path no router serves is an error like any other: same handler, same shape.
  app.notFound((c) => handleError(new DomainError("NotFoundException", `There is no route ${c.req.method} ${c.req.path}.`), c));
  return app;
}
