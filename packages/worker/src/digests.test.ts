import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { runCli } from "@activity-log/api/admin";
import { listDeliveries, listDigests, loadTrail, nativeQuery } from "@activity-log/api/db";
import { createTestDeps, ingest, readObject, seedAccountWithKey, seedTrail, serveApp, type TestDeps, testEvent } from "@activity-log/api/test-kit";
import { canonicalDigest, parseDigest } from "@activity-log/core";
import { deliverTrails } from "./trails.ts";

const at = (hhmmss: string) => new Date(`2026-11-24T${hhmmss}Z`);
const BUCKET = "digest-bucket";
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let deps: TestDeps;
let server: ReturnType<typeof serveApp>;
let accounts = 0;

beforeAll(async () => {
  deps = await createTestDeps();
  server = serveApp(deps);
});
afterAll(async () => {
  await server.stop();
  await deps.cleanup();
});

async function setup() {
  const accountId = `dg-${++accounts}-${Math.random().toString(36).slice(2, 6)}`;
  await nativeQuery(deps.database, `update trails set is_logging = false`);
  const key = await seedAccountWithKey(deps, accountId);
  await deps.storage.service().createBucket(BUCKET);
  const trail = await seedTrail(deps, { accountId, name: "main", bucket: BUCKET, accessKeyId: key.accessKeyId, prefix: `p-${accountId}` });
  return { accountId, trail, store: deps.storage.withCredentials(key) };
}

/** The CLI as operators run it, against this process's service. */
async function admin(args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(
    args,
    { ACTIVITY_LOG_URL: server.url, OPERATOR_TOKEN: deps.config.operatorToken },
    (s) => (out += s),
    (s) => (err += s),
  );
  return {
    code,
    out,
    err,
    body: out
      ? (JSON.parse(out) as {
          valid: boolean;
          digests: number;
          archives: number;
          problems: { kind: string; key?: string; window?: string }[];
          notLogging: string[];
        })
      : null,
  };
}

/** Three hours 10:00–13:00 delivered: archives at 10:00, 10:30, 11:05 (12:xx has none). */
async function threeHours() {
  const s = await setup();
  await ingest(deps.database, [testEvent(s.accountId, at("10:01:00")), testEvent(s.accountId, at("10:31:00")), testEvent(s.accountId, at("11:06:00"))]);
  await deliverTrails(deps, at("13:00:00"), { settleMs: 0 });
  return s;
}

describe("hourly digests", () => {
  test("one signed digest per settled hour, listing its archives and chained to the previous one", async () => {
    const { accountId, trail, store } = await setup();
    await ingest(deps.database, [testEvent(accountId, at("10:01:00")), testEvent(accountId, at("10:31:00")), testEvent(accountId, at("11:06:00"))]);
    await deliverTrails(deps, at("10:55:00"), { settleMs: 0 });
    expect(await listDigests(deps.database, trail.id)).toEqual([]); // the 10:55 window has not closed
    await deliverTrails(deps, at("11:00:00"), { settleMs: 0 });
    const [d10] = await listDigests(deps.database, trail.id);
    expect(d10!.objectKey).toBe(
      `p-${accountId}/AWSLogs/${accountId}/CloudTrail-Digest/ru-msk/2026/11/24/${accountId}_CloudTrail-Digest_ru-msk_main_ru-msk_20261124T1000Z.json`,
    );
    expect((await loadTrail(deps.database, trail.id))?.latestDigestTime).toEqual(at("11:00:00"));

    // A crash after uploading the 11:00 digest: the retry writes the same bytes, recorded once.
    const crash = new Error("killed");
    await expect(
      deliverTrails(deps, at("12:00:00"), {
        settleMs: 0,
        afterDigestUpload: () => {
          throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const key11 = (await store.list(BUCKET, `p-${accountId}/AWSLogs/${accountId}/CloudTrail-Digest/`)).map((o) => o.key).find((k) => k.includes("T1100Z"))!;
    const first = await readObject(store, BUCKET, key11);
    expect((await listDigests(deps.database, trail.id)).length).toBe(1);
    await deliverTrails(deps, at("12:00:00"), { settleMs: 0 });
    const again = await readObject(store, BUCKET, key11);
    expect(sha(again)).toBe(sha(first));
    const rows = await listDigests(deps.database, trail.id);
    expect(rows.map((r) => [r.hourStart.toISOString(), r.archiveCount])).toEqual([
      ["2026-11-24T10:00:00.000Z", 2],
      ["2026-11-24T11:00:00.000Z", 1],
    ]);
    expect(rows[1]!.sha256).toBe(sha(again));

    const file10 = parseDigest(new TextDecoder().decode(await readObject(store, BUCKET, d10!.objectKey)))!;
    const file11 = parseDigest(new TextDecoder().decode(again))!;
    const deliveries = (await listDeliveries(deps.database, trail.id)).filter((r) => r.status === "delivered");
    expect(file10).toMatchObject({
      digestStartTime: "2026-11-24T10:00:00Z",
      digestEndTime: "2026-11-24T11:00:00Z",
      trailARN: `arn:aws:cloudtrail:ru-msk:${accountId}:trail/main`,
      previousDigestKey: null,
      previousDigestSha256: null,
    });
    expect(file10.archives).toEqual(
      deliveries
        .slice(0, 2)
        .map((r) => ({ key: r.objectKey!, sha256: r.sha256!, eventCount: 1, windowStart: r.windowStart.toISOString().replace(".000", "") })),
    );
    expect(file11).toMatchObject({ previousDigestKey: d10!.objectKey, previousDigestSha256: rows[0]!.sha256 });
    expect(file11.archives.map((a) => a.windowStart)).toEqual(["2026-11-24T11:05:00Z"]);
    expect(deps.secrets.verify(canonicalDigest(file11), file11.signature)).toBe(true);
    expect(deps.secrets.verify(canonicalDigest({ ...file11, archives: [] }), file11.signature)).toBe(false);
  });

  test("validate-trail: intact archives pass (CLI exit 0)", async () => {
    const { accountId } = await threeHours();
    const r = await admin(["validate-trail", accountId, "main", "--from", "2026-11-24T10:00:00Z"]);
    expect(r.err).toBe("");
    expect(r.body).toMatchObject({ valid: true, digests: 3, archives: 3, problems: [], from: "2026-11-24T10:00:00.000Z", to: "2026-11-24T13:00:00.000Z" });
    expect(r.code).toBe(0);
    // A sub-range: windows of 10:20–11:10 only (the digests still cover whole hours).
    expect((await admin(["validate-trail", accountId, "main", "--from", "2026-11-24T10:20:00Z", "--to", "2026-11-24T11:10:00Z"])).body).toMatchObject({
      valid: true,
      digests: 2,
    });
  });

  test("a tampered archive is reported and the CLI exits 1", async () => {
    const { accountId, trail, store } = await threeHours();
    const [victim] = (await listDeliveries(deps.database, trail.id)).filter((r) => r.status === "delivered");
    await store.put(BUCKET, victim!.objectKey!, new TextEncoder().encode("not the archive"));
    const r = await admin(["validate-trail", accountId, "main", "--from", "2026-11-24T10:00:00Z"]);
    expect(r.code).toBe(1);
    expect(r.body?.valid).toBe(false);
    expect(r.body?.problems.map((p) => [p.kind, p.key])).toEqual([["altered-archive", victim!.objectKey!]]);
  });

  test("a deleted archive is reported", async () => {
    const { accountId, trail, store } = await threeHours();
    const victim = (await listDeliveries(deps.database, trail.id)).filter((r) => r.status === "delivered")[2]!;
    await store.delete(BUCKET, victim.objectKey!);
    const r = await admin(["validate-trail", accountId, "main", "--from", "2026-11-24T10:00:00Z"]);
    expect(r.code).toBe(1);
    expect(r.body?.problems.map((p) => [p.kind, p.key])).toEqual([["missing-archive", victim.objectKey!]]);
  });

  test("a deleted digest breaks the chain; its archives are no longer vouched for", async () => {
    const { accountId, trail, store } = await threeHours();
    const digests = await listDigests(deps.database, trail.id);
    await store.delete(BUCKET, digests[1]!.objectKey);
    const r = await admin(["validate-trail", accountId, "main", "--from", "2026-11-24T10:00:00Z"]);
    expect(r.code).toBe(1);
    const hour11Archive = (await listDeliveries(deps.database, trail.id)).find(
      (d) => d.status === "delivered" && d.windowStart.getTime() === at("11:05:00").getTime(),
    )!;
    expect(r.body?.problems.map((p) => [p.kind, p.key])).toEqual([
      ["missing-digest", digests[1]!.objectKey],
      ["broken-chain", digests[2]!.objectKey],
      ["missing-window", hour11Archive.objectKey!],
      ["unlisted-archive", hour11Archive.objectKey!],
    ]);
    expect(r.body).toMatchObject({ digests: 2, archives: 2 });
  });

  test("an archive no digest lists, windows never recorded, and an altered digest are reported", async () => {
    const { accountId, trail, store } = await threeHours();
    const digests = await listDigests(deps.database, trail.id);
    const planted = `p-${accountId}/AWSLogs/${accountId}/CloudTrail/ru-msk/2026/11/24/${accountId}_CloudTrail_ru-msk_20261124T1210Z_feedfeedfeedfeed.tar.gz`;
    await store.put(BUCKET, planted, new TextEncoder().encode("x"));
    const text = new TextDecoder().decode(await readObject(store, BUCKET, digests[0]!.objectKey));
    await store.put(BUCKET, digests[0]!.objectKey, new TextEncoder().encode(text.replace(/"eventCount": 1/, '"eventCount": 7')));
    const r = await admin(["validate-trail", accountId, "main", "--from", "2026-11-24T09:55:00Z"]);
    expect(r.code).toBe(1);
    const kinds = r.body!.problems.map((p) => p.kind);
    expect(kinds).toContain("bad-signature");
    expect(kinds).toContain("broken-chain"); // the 11:00 digest chains to bytes that changed
    // Before the trail started logging: a gap by choice, listed apart from the problems.
    expect(r.body!.notLogging).toEqual(["2026-11-24T09:55:00.000Z"]);
    expect(r.body!.problems).not.toContainEqual(expect.objectContaining({ window: "2026-11-24T09:55:00.000Z" }));
    expect(r.body!.problems).toContainEqual(expect.objectContaining({ kind: "unlisted-archive", key: planted }));
  });

  test("unknown trail: one line on stderr, exit 1", async () => {
    const { accountId } = await setup();
    const r = await admin(["validate-trail", accountId, "nope", "--from", "2026-11-24T10:00:00Z"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NotFoundException: Trail nope does not exist/);
  });
});
