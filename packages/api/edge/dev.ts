/**
 * `bun run edge:dev`: builds the edge bundle and serves it in workerd on 127.0.0.1:$PORT (default
 * 8787) against $DATABASE_URL — the same API the Bun server serves, as Cloudflare would run it.
 * Bindings come from the environment under the names wrangler.toml uses (see README, "Deploy the
 * API to Cloudflare Workers"); the database must already be migrated by the Bun side.
 */
import { readEdgeBindings } from "../src/edge/bindings.ts";
import { buildEdgeBundle } from "./build.ts";
import { startWorkerd } from "./workerd.ts";

const env = process.env;
const BINDING_NAMES = ["DATABASE_URL", "SECRET_KEY", "REGION", "S3_ENDPOINT", "S3_REGION", "S3_FORCE_PATH_STYLE", "LOG_LEVEL", "CLOUDTRAIL_RATE_LIMIT"];
const bindings = Object.fromEntries(BINDING_NAMES.map((name) => [name, env[name]]));

try {
  readEdgeBindings(bindings);
  if (!bindings.DATABASE_URL) throw new Error("Invalid configuration: DATABASE_URL must be set (edge:dev has no Hyperdrive)");
  if (env.PORT !== undefined && !/^\d{1,5}$/.test(env.PORT)) throw new Error("Invalid configuration: PORT must be a number");
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const build = await buildEdgeBundle();
if (build.errors.length + build.forbiddenImports.length + build.runtimeGlobals.length > 0) {
  console.error("edge build failed: run `bun run edge:build` for details");
  process.exit(1);
}
const workerd = await startWorkerd({ bundlePath: build.path, port: Number(env.PORT ?? 8787), bindings });
console.log(`CloudTrail API in workerd: ${workerd.url} (Ctrl-C stops it)`);
const stop = async () => {
  await workerd.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
