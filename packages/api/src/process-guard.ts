import { isDatabaseUnavailable } from "./db/availability.ts";
import type { Logger } from "./logger.ts";

/**
 * A long-running process of this service (API, worker, both) must outlive its database going
 * away. The driver can surface a lost or refused connection outside any awaited query (a
 * socket's late `error` event, seen with postgres.js under Bun when the server stops): without a
 * handler, Bun ends the process. Those are logged and the process keeps serving (each request or
 * job already fails and retries on its own); anything else still ends it, as before.
 */
export function keepRunningThroughDatabaseOutages(logger: Logger): void {
  const handle = (kind: string) => (error: unknown) => {
    if (isDatabaseUnavailable(error)) {
      logger.warn(`database connection lost (${kind})`, { error: String(error) });
      return;
    }
    logger.error(`${kind}: exiting`, { error: String(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(1);
  };
  process.on("uncaughtException", handle("uncaught exception"));
  process.on("unhandledRejection", handle("unhandled rejection"));
}
