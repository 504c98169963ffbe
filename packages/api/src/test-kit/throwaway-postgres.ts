/**
 * A Postgres cluster of a test's own (initdb in a temporary directory, its own port), which the
 * test may stop and start again: database-outage tests cannot stop the shared server. initdb and
 * the server refuse to run as root, so as root they run as the `postgres` user (runuser).
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "../db/client.ts";

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  /** A connection pool to it, migrated (the caller closes it). */
  openDatabase(): Promise<Database>;
  /** Stops the server at once, as a crash would (`pg_ctl stop -m immediate`). */
  stop(): Promise<void>;
  /** Starts it again and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** Where a PostgreSQL server's binaries are (15 preferred, the server version this service targets). */
function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => (a === "15" ? -1 : b === "15" ? 1 : Number(b) - Number(a)));
  return versions.map((v) => join(root, v, "bin")).find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway cluster, or answers why it cannot (no server binaries, running as root
 * without a `postgres` user): the caller skips with that message.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres | { unavailable: string }> {
  const bin = postgresBinDir();
  if (!bin) return { unavailable: "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" };
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const id = (flag: string) => Bun.spawnSync(["id", flag, "postgres"]);
    const uid = id("-u");
    const gid = id("-g");
    if (uid.exitCode !== 0 || gid.exitCode !== 0) return { unavailable: "running as root and there is no `postgres` user to run initdb as" };
    owner = { uid: Number(uid.stdout.toString().trim()), gid: Number(gid.stdout.toString().trim()) };
  }
  const dir = mkdtempSync(join(tmpdir(), "al-pg-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, "data");
  const run = async (args: string[]) => {
    const cmd = asRoot ? ["runuser", "-u", "postgres", "--", ...args] : args;
    const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`${args.join(" ")} failed (${code}): ${err || out}`);
  };
  try {
    await run([join(bin, "initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `initdb failed: ${(error as Error).message}` };
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => run([join(bin, "pg_ctl"), "-D", dataDir, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  const stop = () => run([join(bin, "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"]);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    openDatabase: () => openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/postgres` }),
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
