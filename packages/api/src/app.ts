import { cloudtrailRouter } from "./cloudtrail/router.ts";
import { consoleRouter } from "./console/router.ts";
import type { AppDeps } from "./deps.ts";
import { ingestRouter } from "./ingest/router.ts";
import { operatorRouter } from "./operator/router.ts";
import { serviceBase } from "./service-base.ts";

/**
 * Composes the service: CloudTrail API on `POST /`, console API on /api/v1, ingest and operator
 * APIs under /internal/v1. No globals: everything comes in through `deps`.
 */
export function createApp(deps: AppDeps) {
  return serviceBase(deps)
    .route("/", cloudtrailRouter())
    .route("/internal/v1/events", ingestRouter())
    .route("/internal/v1/operator", operatorRouter())
    .route("/api/v1", consoleRouter());
}

export type { AppDeps } from "./deps.ts";
