/**
 * Runs the edge bundle in workerd (npm `workerd`, which ships Cloudflare's runtime binary): a config
 * with the bundle as the one module, the bindings as text, nodejs_compat, and an outbound network
 * that may reach loopback and private addresses (the local Postgres server and S3 endpoint).
 * Used by `bun run edge:dev`, the workerd test and the benchmark.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WORKERD = new URL("../node_modules/.bin/workerd", import.meta.url).pathname;
/** The same date and flags as wrangler.toml, so local runs behave like the deployment. */
const COMPATIBILITY_DATE = "2025-09-01";

export interface RunningWorkerd {
  url: string;
  /** What workerd printed, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts workerd serving `bundlePath` on 127.0.0.1:`port` (0: a free port) and waits until it answers. */
export async function startWorkerd(options: { bundlePath: string; port: number; bindings: Record<string, string | undefined> }): Promise<RunningWorkerd> {
  const port = options.port || (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "al-workerd-"));
  copyFileSync(options.bundlePath, join(dir, "worker.js"));
  const bindings = Object.entries(options.bindings)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")
    .map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`);
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [${bindings.join(", ")}],
  globalOutbound = "internet",
);
`,
  );
  let output = "";
  const child = Bun.spawn([WORKERD, "serve", join(dir, "config.capnp"), "--verbose"], { stdout: "pipe", stderr: "pipe" });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) output += decoder.decode(r.value, { stream: true });
  };
  void collect(child.stdout);
  void collect(child.stderr);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill();
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`workerd exited with code ${child.exitCode}:\n${output}`);
    }
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`workerd did not answer on ${url} within 20 s:\n${output}`);
      }
      await Bun.sleep(100);
    }
  }
  return { url, output: () => output, stop };
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const { port } = server;
  await server.stop(true);
  return port as number;
}
