/**
 * Sign-in under a flood (`bun run bench`): a real console sign-in timed idle and while 80 bogus
 * attempts run in parallel (issue 12: goal ≤ 2× idle). The service runs as an operator runs it —
 * `bun run start` in a process of its own on the Postgres server (its own database on DATABASE_URL) —
 * and the attempts come from this process, as they would from the network. Half the bogus attempts
 * name unknown accounts, half unknown users of the real account; each comes from an address of its
 * own (X-Forwarded-For from a trusted proxy), so no per-address budget short-cuts them. Idle and
 * flooded sign-ins alternate, so a change in the machine's load hits both sides alike.
 * BENCH_SIGNIN_ROUNDS (default 15) rounds. Writes the "Sign-in under a flood" section of BENCHMARKS.md.
 */
import { cpus, loadavg, tmpdir } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { writeBenchmarkSection } from "./benchmarks-file.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("bench needs DATABASE_URL (a Postgres server; it creates and drops its own database)");
  process.exit(1);
}
const ROUNDS = Number(process.env.BENCH_SIGNIN_ROUNDS ?? 15);
const FLOOD = 80;
const OPERATOR_TOKEN = "bench-operator-token-0123456789";
const PASSWORD = "the-owners-password";
const log = (m: string) => console.error(`[bench:sign-in] ${m}`);

const dbName = `al_bench_signin_${Date.now().toString(36)}`;
const admin = postgres(url, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${dbName}"`);
const benchUrl = new URL(url);
benchUrl.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), "al-bench-signin-"));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
const service = Bun.spawn(["bun", join(import.meta.dir, "../../worker/src/start.ts")], {
  env: {
    ...process.env,
    DATABASE_URL: benchUrl.toString(),
    PORT: String(port),
    DATA_DIR: dataDir,
    SECRET_KEY: "bench-sign-in-secret-key-0123456789",
    OPERATOR_TOKEN,
    INGEST_TOKEN: "bench-ingest-token-0123456789",
    TRUSTED_PROXIES: "127.0.0.1/32",
    DEMO: "0",
    LOG_LEVEL: "error",
  },
  stdout: "pipe",
  stderr: "inherit",
});

try {
  await main();
} finally {
  service.kill("SIGTERM");
  await service.exited;
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

async function main() {
  await waitForBanner();
  const operator = (path: string, body: unknown) =>
    fetch(`${base}/internal/v1/operator${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  for (const [path, body] of [
    ["/accounts", { account: "flood-co" }],
    ["/accounts/flood-co/users", { user: "owner", password: PASSWORD }],
  ] as const) {
    const res = await operator(path, body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }

  let address = 0;
  const nextAddress = () => {
    address++;
    return `198.18.${Math.floor(address / 250) % 250}.${(address % 250) + 1}`;
  };
  const attempt = (account: string, user: string, password: string) =>
    fetch(`${base}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": nextAddress() },
      body: JSON.stringify({ account, user, password }),
    });
  const timedSignIn = async () => {
    const started = performance.now();
    const res = await attempt("flood-co", "owner", PASSWORD);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`real sign-in answered ${res.status}`);
    return performance.now() - started;
  };
  let sent = 0;
  const bogus = async () => {
    const i = sent++;
    const res = i % 2 === 0 ? await attempt(`bogus-account-${i}`, "x", "guess") : await attempt("flood-co", `bogus-user-${i}`, "guess");
    await res.arrayBuffer();
    return res.status;
  };

  for (let i = 0; i < 3; i++) await timedSignIn(); // warm-up: connections, the hash's thread pool
  const idle: number[] = [];
  const flooded: number[] = [];
  const statuses = new Map<number, number>();
  for (let round = 0; round < ROUNDS; round++) {
    idle.push(await timedSignIn());
    const flood = Array.from({ length: FLOOD }, bogus);
    await Bun.sleep(10);
    flooded.push(await timedSignIn());
    for (const s of await Promise.all(flood)) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
  const ratio = med(flooded) / med(idle);
  const answers = [...statuses].map(([s, n]) => `${n}× ${s}`).join(", ");
  const verdict = ratio <= 2 ? "met" : "**missed**";
  const section = [
    "## Sign-in under a flood (packages/api/bench/sign-in-flood.ts)",
    "",
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, load ${loadavg()[0]!.toFixed(2)} at the end.`,
    "`bun run start` on Postgres in its own process; a real console sign-in (argon2id) timed idle and",
    `10 ms after ${FLOOD} parallel bogus attempts start (unknown accounts and unknown users, one address each), ${ROUNDS} rounds alternated.`,
    "",
    "| | median | p90 |",
    "|---|---:|---:|",
    `| idle | ${med(idle).toFixed(0)} ms | ${p90(idle).toFixed(0)} ms |`,
    `| under ${FLOOD} bogus attempts | ${med(flooded).toFixed(0)} ms | ${p90(flooded).toFixed(0)} ms |`,
    "",
    `Ratio ${ratio.toFixed(2)}× (goal ≤ 2×: ${verdict}). Bogus attempts answered: ${answers}.`,
    "",
    "Where the flooded sign-in's time went before the sign-in lane (measured 2026-11-30 with timers in the sign-in path): no",
    "bogus attempt hashes (unknown names wait on a timer), so the password check grew only by CPU sharing (≈200 → ≈290 ms",
    "on 2 cores); the rest was the lookups before the check (account, guess budgets, user) queueing first-come-first-served",
    "behind the 80 attempts' statements (≈4 → ≈130 ms; 1.9–2.5× idle in all). The lookups now pass through a lane of 4 at",
    "once served newest first (auth/admission.ts), so a sign-in that arrives during a flood is looked up next.",
  ].join("\n");
  writeBenchmarkSection("## Sign-in under a flood", section);
  console.log(section);
}

async function waitForBanner(): Promise<void> {
  const reader = service.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 120_000;
  while (!text.includes("Activity Log is running")) {
    if (Date.now() > deadline) throw new Error(`the service did not start: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`the service exited: ${text}`);
    text += decoder.decode(value);
  }
  reader.releaseLock();
  log(`service up on ${base}`);
}
