import { Hono } from "hono";
import { sql } from "drizzle-orm";
import { cloudtrailRouter } from "./cloudtrail/router.ts";
import { consoleRouter } from "./console/router.ts";
import type { AppDeps } from "./deps.ts";
import { handleError } from "./http-errors.ts";
import type { AppEnv } from "./http-context.ts";
import { ingestRouter } from "./ingest/router.ts";
import { operatorRouter } from "./operator/router.ts";
import { recordCalls } from "./record.ts";

/**
 * Composes the service: CloudTrail API on `POST /`, console API on /api/v1, ingest and operator
 * APIs under /internal/v1. No globals: everything comes in through `deps`.
 */
export function createApp(deps: AppDeps) {
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
    .use(recordCalls())
    .route("/", cloudtrailRouter())
    .route("/internal/v1/events", ingestRouter())
    .route("/internal/v1/operator", operatorRouter())
    .route("/api/v1", consoleRouter());
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
export type { AppDeps } from "./deps.ts";
