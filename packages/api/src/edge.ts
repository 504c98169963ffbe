/**
 * Edge-runtime entry (`export default { fetch }`, the shape Workers-style runtimes call): the
 * CloudTrail API (`POST /`) and `/healthz`, with nothing Bun- or Node-only reachable from here —
 * edge.test.ts builds this file for a browser target and fails on any node:/bun: import.
 *
 * The runtime has no sockets or files, so it cannot open Postgres or PGlite itself: the host's
 * bootstrap module builds AppDeps from fetch-capable parts and calls `configureEdge(deps)` once:
 * - database: a Drizzle `Db` over an HTTP/WebSocket Postgres driver (e.g. drizzle-orm/neon-http, or
 *   postgres.js through a TCP-capable binding such as Cloudflare Hyperdrive); the schema and
 *   migrations are the same, migrations are applied by the Bun server or `bun run admin` beforehand;
 * - storage: `createS3Storage` from storage/s3.ts (@aws-sdk/client-s3 uses fetch in browser builds);
 * - secrets: a SecretBox on WebCrypto/pure-JS AES-GCM + HMAC compatible with auth/secret-box.ts;
 * - clock: `systemClock`; logger: any `Logger`; config: values from the runtime's bindings.
 * The console SPA, operator API and worker stay on the Bun server (they need files and long jobs).
 */
import { DomainError } from "@activity-log/core";
import { cloudtrailRouter } from "./cloudtrail/router.ts";
import type { AppDeps } from "./deps.ts";
import { errorResponse } from "./http-errors.ts";
import { serviceBase } from "./service-base.ts";

function createEdgeApp(deps: AppDeps) {
  return serviceBase(deps).route("/", cloudtrailRouter());
}

let edgeApp: ReturnType<typeof createEdgeApp> | undefined;

/** Called once by the host's bootstrap with deps built from fetch-capable parts (see above). */
export function configureEdge(deps: AppDeps): void {
  edgeApp = createEdgeApp(deps);
}

export default {
  fetch(request: Request): Response | Promise<Response> {
    if (!edgeApp) {
      const error = new DomainError("ServiceUnavailableException", "The edge entry is not configured: call configureEdge(deps) from the runtime's bootstrap.");
      return errorResponse(error, "cloudtrail");
    }
    return edgeApp.fetch(request);
  },
};
