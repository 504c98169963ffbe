/**
 * The Bun entry of the API: configuration → database (migrated) → object storage → app → Bun.serve,
 * plus the console SPA from packages/web/dist (built on first start when missing). `bun run start`
 * (packages/worker/src/start.ts) adds the worker loop and the demo seed around it.
 */
import { createApp } from "./app.ts";
import { systemClock, type Clock } from "./clock.ts";
import { ConfigError, loadConfig } from "./config.ts";
import type { Database } from "./db/client.ts";
import { type AppDeps, closeDeps, openDeps } from "./deps.ts";
import { createLogger, type Logger } from "./logger.ts";
import { keepRunningThroughDatabaseOutages } from "./process-guard.ts";
import type { ServerBindings } from "./source-ip.ts";
import { consoleAssets } from "./web-assets.ts";

const WEB_DIR = new URL("../../web", import.meta.url).pathname;
// Answered by the API, never by the SPA: probes must get JSON.
const API_PATHS = /^\/(api|internal)(\/|$)|^\/(healthz|readyz)$/;

export interface StartServerOptions {
  /** The environment to configure from; default the process environment (read by config.ts). */
  env?: Record<string, string | undefined>;
  /** Overrides PORT (0 picks a free port, for tests). */
  port?: number;
  logger?: Logger;
  clock?: Clock;
  /** The SPA's directory (with dist/); null serves no console (tests). Default packages/web. */
  webDir?: string | null;
  /** An already open database (tests: one per file); by default the configured one is opened and closed with the server. */
  database?: Database;
}

export interface RunningServer {
  url: string;
  deps: AppDeps;
  /** Settles when the console's assets are in place (built now, found, or given up on). */
  webReady: Promise<void>;
  stop(): Promise<void>;
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig(options.env);
  const hostname = config.host;
  const logger = options.logger ?? createLogger(config.logLevel);
  const deps = await openDeps(config, { logger, clock: options.clock ?? systemClock, database: options.database, boundQueries: true });
  const close = () => closeDeps(deps, { keepDatabase: options.database !== undefined });
  const app = createApp(deps);
  const webDir = options.webDir === undefined ? WEB_DIR : options.webDir;
  const web = webDir ? consoleAssets(webDir, logger) : null;

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname,
      port: options.port ?? config.port,
      // Report downloads stream for a while; keep quiet connections open longer than Bun's 10 s.
      idleTimeout: 120,
      fetch(req) {
        if (web && (req.method === "GET" || req.method === "HEAD") && !API_PATHS.test(new URL(req.url).pathname)) return web.app.fetch(req);
        return app.fetch(req, { remoteAddress: server.requestIP(req)?.address } satisfies ServerBindings);
      },
    });
  } catch (e) {
    await close();
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new ConfigError(`Port ${options.port ?? config.port} on ${hostname} is already in use: stop the other process or set PORT.`);
    throw e;
  }
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${server.port}`;
  return {
    url,
    deps,
    webReady: web?.ready ?? Promise.resolve(),
    async stop() {
      web?.stop();
      await server.stop(true);
      await close();
    },
  };
}

if (import.meta.main) {
  try {
    const running = await startServer();
    keepRunningThroughDatabaseOutages(running.deps.logger);
    const shutdown = () => void running.stop().then(() => process.exit(0));
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
    console.log(`Activity Log API listening on ${running.url}`);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `Failed to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
