import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createPublicKey, verify } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { runCli } from "@activity-log/api/admin";
import { listDeliveries, listDigests, loadTrail, nativeQuery, signingKeyByFingerprint } from "@activity-log/api/db";
import { createTestDeps, ingest, readObject, seedAccountWithKey, seedTrail, serveApp, type TestDeps, testEvent } from "@activity-log/api/test-kit";
import { type CloudTrailDigest, digestStringToSign, parseDigest } from "@activity-log/core";
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
  const alias = `dg-${++accounts}-${Math.random().toString(36).slice(2, 6)}`;
  await nativeQuery(deps.database, `update trails set is_logging = false`);
  const key = await seedAccountWithKey(deps, alias);
  const { accountId } = key;
  await deps.storage.service().createBucket(BUCKET);
  const trail = await seedTrail(deps, { accountId, name: "main", bucket: BUCKET, accessKeyId: key.accessKeyId, prefix: `p-${accountId}` });
  return { accountId, alias, trail, store: deps.storage.withCredentials(key) };
}

/** A digest object read back: its decompressed document, parsed, and its S3 metadata. */
async function readDigest(store: ReturnType<TestDeps["storage"]["service"]>, key: string) {
  const got = (await store.get(BUCKET, key))!;
  const document = gunzipSync(new Uint8Array(await new Response(got.body).arrayBuffer()));
  return { document, file: parseDigest(document.toString("utf8"))!, metadata: got.metadata };
}

/** Verifies a digest as the AWS CLI does: SHA256withRSA over its string to sign, with the public key its fingerprint names. */
async function verifies(file: CloudTrailDigest, document: Uint8Array, signatureHex: string): Promise<boolean> {
  const key = (await signingKeyByFingerprint(deps.database, file.digestPublicKeyFingerprint))!;
  const publicKey = createPublicKey({ key: Buffer.from(key.publicKeyDer, "base64"), format: "der", type: "pkcs1" });
  return verify("sha256", Buffer.from(digestStringToSign(file, sha(document))), publicKey, Buffer.from(signatureHex, "hex"));
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
  test("one signed digest per settled hour in CloudTrail's format, listing its archives and chained to the previous one", async () => {
    const { accountId, trail, store } = await setup();
    await ingest(deps.database, [testEvent(accountId, at("10:01:00")), testEvent(accountId, at("10:31:00")), testEvent(accountId, at("11:06:00"))]);
    await deliverTrails(deps, at("10:55:00"), { settleMs: 0 });
    expect(await listDigests(deps.database, trail.id)).toEqual([]); // the 10:55 window has not closed
    await deliverTrails(deps, at("11:00:00"), { settleMs: 0 });
    const [d10] = await listDigests(deps.database, trail.id);
    expect(d10!.objectKey).toBe(
      `p-${accountId}/AWSLogs/${accountId}/CloudTrail-Digest/ru-msk/2026/11/24/${accountId}_CloudTrail-Digest_ru-msk_main_ru-msk_20261124T110000Z.json.gz`,
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
    const key11 = (await store.list(BUCKET, `p-${accountId}/AWSLogs/${accountId}/CloudTrail-Digest/`)).map((o) => o.key).find((k) => k.includes("T120000Z"))!;
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

    const r10 = await readDigest(store, d10!.objectKey);
    const r11 = await readDigest(store, key11);
    expect(rows[1]!.sha256).toBe(sha(r11.document));
    expect(r11.metadata).toMatchObject({ "signature-algorithm": "SHA256withRSA", signature: rows[1]!.signature });
    const deliveries = (await listDeliveries(deps.database, trail.id)).filter((r) => r.status === "delivered");
    expect(r10.file).toMatchObject({
      awsAccountId: accountId,
      digestStartTime: "2026-11-24T10:00:00Z",
      digestEndTime: "2026-11-24T11:00:00Z",
      digestS3Bucket: BUCKET,
      digestS3Object: d10!.objectKey,
      digestSignatureAlgorithm: "SHA256withRSA",
      oldestEventTime: "2026-11-24T10:01:00Z",
      newestEventTime: "2026-11-24T10:31:00Z",
      previousDigestS3Bucket: null,
      previousDigestS3Object: null,
      previousDigestHashValue: null,
      previousDigestSignature: null,
    });
    // hashValue is the SHA-256 of the decompressed archive (the tar), as CloudTrail's digests list it.
    for (const [i, f] of r10.file.logFiles.entries()) {
      const archive = await readObject(store, BUCKET, deliveries[i]!.objectKey!);
      expect(f).toEqual({
        s3Bucket: BUCKET,
        s3Object: deliveries[i]!.objectKey!,
        hashValue: sha(gunzipSync(archive)),
        hashAlgorithm: "SHA-256",
        oldestEventTime: i === 0 ? "2026-11-24T10:01:00Z" : "2026-11-24T10:31:00Z",
        newestEventTime: i === 0 ? "2026-11-24T10:01:00Z" : "2026-11-24T10:31:00Z",
      });
    }
    expect(r11.file).toMatchObject({
      previousDigestS3Bucket: BUCKET,
      previousDigestS3Object: d10!.objectKey,
      previousDigestHashValue: sha(r10.document),
      previousDigestHashAlgorithm: "SHA-256",
      previousDigestSignature: r10.metadata.signature,
    });
    expect(await verifies(r10.file, r10.document, r10.metadata.signature!)).toBe(true);
    expect(await verifies(r11.file, r11.document, r11.metadata.signature!)).toBe(true);
    // One changed byte of the document, or the chain's previous signature, and the signature fails.
    const forged = Buffer.from(r11.document.toString("utf8").replace("11:06:00", "11:07:00"));
    expect(await verifies(parseDigest(forged.toString("utf8"))!, forged, r11.metadata.signature!)).toBe(false);
    expect(await verifies({ ...r11.file, previousDigestSignature: "00" }, r11.document, r11.metadata.signature!)).toBe(false);
  });

  test("hours without archives get a digest too (logFiles []); trails without log file validation get none", async () => {
    const s = await threeHours();
    const rows = await listDigests(deps.database, s.trail.id);
    expect(rows.map((r) => r.archiveCount)).toEqual([2, 1, 0]);
    expect((await readDigest(s.store, rows[2]!.objectKey)).file).toMatchObject({ logFiles: [], oldestEventTime: null, newestEventTime: null });

    const other = await setup();
    await nativeQuery(deps.database, `update trails set log_file_validation = false where id = $1`, [other.trail.id]);
    await ingest(deps.database, [testEvent(other.accountId, at("10:01:00"))]);
    await deliverTrails(deps, at("12:00:00"), { settleMs: 0 });
    expect((await listDeliveries(deps.database, other.trail.id)).some((d) => d.status === "delivered")).toBe(true);
    expect(await listDigests(deps.database, other.trail.id)).toEqual([]);
  });

  test("validate-trail: intact archives pass (CLI exit 0)", async () => {
    const { accountId, alias } = await threeHours();
    // The operator names the account by alias or by id.
    const r = await admin(["validate-trail", alias, "main", "--from", "2026-11-24T10:00:00Z"]);
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
    const original = await readDigest(store, digests[0]!.objectKey);
    const altered = original.document.toString("utf8").replace(/"hashValue":"[0-9a-f]/, '"hashValue":"x');
    await store.put(BUCKET, digests[0]!.objectKey, new Uint8Array(gzipSync(altered)), { metadata: original.metadata });
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
