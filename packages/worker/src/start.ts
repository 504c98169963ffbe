/**
 * `bun run start`: the all-in-one process — API and console (startServer), the demo seed on an
 * empty database, and the worker loop — printing where to go and how to sign in.
 */
import { type DemoCredentials, loadDemoCredentials, seedDemo } from "@activity-log/api/demo";
import { ConfigError, keepRunningThroughDatabaseOutages } from "@activity-log/api/runtime";
import { startServer } from "@activity-log/api/server";
import { startWorkerLoop } from "./main.ts";

function banner(url: string, region: string, demo: DemoCredentials | null, seededEvents: number | null): string {
  const lines = [``, `Activity Log is running`, `  Console      ${url}/`];
  if (demo) {
    lines.push(
      `  Sign in      account ${demo.account}, user ${demo.user}, password ${demo.password}`,
      `  Account id   ${demo.accountId} (in ARNs, events and archive keys)`,
      `  Access key   ${demo.accessKeyId} / ${demo.secretAccessKey} (user ${demo.user}, project ${demo.project})`,
      `  AWS CLI      AWS_ACCESS_KEY_ID=${demo.accessKeyId} AWS_SECRET_ACCESS_KEY='${demo.secretAccessKey}' \\`,
      `                 aws --endpoint-url ${url} --region ${region} cloudtrail lookup-events \\`,
      `                 --lookup-attributes AttributeKey=EventName,AttributeValue=StopInstances`,
    );
    if (seededEvents !== null) lines.push(`  Demo data    ${seededEvents.toLocaleString("en")} events over the last 30 days`);
  }
  lines.push(`  Operators    bun run admin -- help`, ``);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const started = performance.now();
  const server = await startServer();
  const { deps } = server;
  keepRunningThroughDatabaseOutages(deps.logger);
  deps.logger.info("listening", { url: server.url, database: deps.database.kind });
  const seeded = await seedDemo(deps);
  if (seeded) deps.logger.info("demo account seeded", { events: seeded.events, ms: Math.round(performance.now() - started) });
  const demo = seeded ?? (deps.config.demo ? await loadDemoCredentials(deps) : null);
  const worker = startWorkerLoop(deps);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await worker.stop();
      await server.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  // Printed last: whoever waits for the banner may stop the process right away.
  process.stdout.write(`${banner(server.url, deps.config.region, demo, seeded?.events ?? null)}\n`);
}

try {
  await main();
} catch (e) {
  // One line for the operator; details only when they help (not for configuration mistakes).
  process.stderr.write(`${e instanceof ConfigError ? e.message : `Failed to start: ${e instanceof Error ? e.message : String(e)}`}\n`);
  process.exit(1);
}
