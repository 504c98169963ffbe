// Both object stores behave alike where users can tell: S3's error codes and messages, overwrite,
// streams, listing. s3rver stands in for S3; the local store is the embedded mode.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type S3rverHandle, startS3rver } from "../test-kit/index.ts";
import { createLocalStorage } from "./local.ts";
import { StorageError, type ObjectStorage } from "./object-store.ts";

const UNKNOWN_KEY = "The AWS Access Key Id you provided does not exist in our records.";
const known = { accessKeyId: "AKIATESTKNOWN", secretAccessKey: "known-secret" };
const unknown = { accessKeyId: "AKIATESTUNKNOWN", secretAccessKey: "whatever" };

const dir = mkdtempSync(join(tmpdir(), "al-storage-"));
let s3rver: S3rverHandle;
let s3: ObjectStorage;
const local = createLocalStorage(join(dir, "objects"), async (c) => c.accessKeyId === known.accessKeyId && c.secretAccessKey === known.secretAccessKey);

beforeAll(async () => {
  s3rver = await startS3rver();
  s3rver.addKey(known.accessKeyId, known.secretAccessKey);
  s3 = s3rver.storage;
}, 30_000);

afterAll(async () => {
  await s3rver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return { code: (error as StorageError).code, message: (error as StorageError).message };
  }
  throw new Error("expected a StorageError");
}

const text = async (body: ReadableStream<Uint8Array>) => new Response(body).text();

for (const [kind, storage] of [
  ["s3", () => s3],
  ["local", () => local],
] as const) {
  describe(`${kind} store`, () => {
    test("multipart: parts survive until complete, the object is their concatenation, a gone upload is NoSuchUpload", async () => {
      const store = storage().service();
      await store.createBucket("bucket-parts");
      const mp = store.multipart!;
      const uploadId = await mp.create("bucket-parts", "r/one.gz", { contentType: "application/gzip" });
      const first = new Uint8Array(5 * 1024 * 1024).fill(0x61); // S3's smallest part but the last
      const parts = [await mp.uploadPart("bucket-parts", "r/one.gz", uploadId, 1, first)];
      // Nothing visible before complete (a crashed writer leaves no half object).
      expect(await store.get("bucket-parts", "r/one.gz")).toBeNull();
      expect(await store.list("bucket-parts", "")).toEqual([]);
      parts.push(await mp.uploadPart("bucket-parts", "r/one.gz", uploadId, 2, new TextEncoder().encode("tail")));
      await mp.complete("bucket-parts", "r/one.gz", uploadId, parts);
      const got = (await store.get("bucket-parts", "r/one.gz"))!;
      expect(got.size).toBe(first.byteLength + 4);
      expect((await text(got.body)).endsWith("aaatail")).toBe(true);
      // s3rver (the S3 stand-in) has no AbortMultipartUpload and takes parts for unknown uploads; S3 and the local store refuse them.
      if (kind === "local") {
        const aborted = await mp.create("bucket-parts", "r/two.gz");
        await mp.abort("bucket-parts", "r/two.gz", aborted);
        expect((await codeOf(mp.uploadPart("bucket-parts", "r/two.gz", aborted, 1, new Uint8Array(1)))).code).toBe("NoSuchUpload");
        expect((await codeOf(mp.uploadPart("bucket-parts", "r/x", "../../etc", 1, new Uint8Array(1)))).code).toBe("NoSuchUpload");
      }
      expect((await store.list("bucket-parts", "")).map((o) => o.key)).toEqual(["r/one.gz"]);
    }, 30_000);

    test("write, overwrite, read, stream, list and delete", async () => {
      const store = storage().withCredentials(known);
      await store.createBucket("bucket-one");
      await store.put("bucket-one", "a/b/one.json", new TextEncoder().encode("first"));
      await store.put("bucket-one", "a/b/one.json", new TextEncoder().encode("second"));
      const chunks = ["x".repeat(1000), "y".repeat(1000)];
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
          controller.close();
        },
      });
      await store.put("bucket-one", "a/streamed.bin", stream);
      const got = await store.get("bucket-one", "a/b/one.json");
      expect(got?.size).toBe(6);
      expect(await text(got!.body)).toBe("second");
      expect(await text((await store.get("bucket-one", "a/streamed.bin"))!.body)).toBe(chunks.join(""));
      expect(await store.get("bucket-one", "a/missing")).toBeNull();
      expect((await store.list("bucket-one", "a/")).map((o) => o.key)).toEqual(["a/b/one.json", "a/streamed.bin"]);
      await store.delete("bucket-one", "a/b/one.json");
      expect((await store.list("bucket-one", "")).map((o) => o.key)).toEqual(["a/streamed.bin"]);
      await store.checkWritable("bucket-one");
      expect((await store.list("bucket-one", "")).length).toBe(1); // the probe is gone
    });

    test("list answers keys in S3's order (binary), not the order they were written or stored on disk", async () => {
      const store = storage().withCredentials(known);
      await store.createBucket("bucket-order");
      const keys = ["p/b", "p/a-c", "p/a/b", "p/A", "p/a.z", "p/a/a", "p/0"];
      for (const key of keys) await store.put("bucket-order", key, new TextEncoder().encode(key));
      expect((await store.list("bucket-order", "p/")).map((o) => o.key)).toEqual(["p/0", "p/A", "p/a-c", "p/a.z", "p/a/a", "p/a/b", "p/b"]);
    });

    test("a missing bucket is NoSuchBucket; an unknown key pair InvalidAccessKeyId with S3's message", async () => {
      const store = storage().withCredentials(known);
      expect((await codeOf(store.checkWritable("no-such-bucket"))).code).toBe("NoSuchBucket");
      expect((await codeOf(store.put("no-such-bucket", "k", new Uint8Array(1)))).code).toBe("NoSuchBucket");
      await store.createBucket("bucket-two");
      expect(await codeOf(storage().withCredentials(unknown).checkWritable("bucket-two"))).toEqual({ code: "InvalidAccessKeyId", message: UNKNOWN_KEY });
    });
  });
}

test("local writes are atomic: no temp files are left and keys cannot escape the bucket", async () => {
  const store = local.withCredentials(known);
  await store.createBucket("bucket-three");
  await store.put("bucket-three", "k", new Uint8Array([1, 2, 3]));
  expect(readdirSync(join(dir, "objects", "bucket-three"))).toEqual(["k"]);
  expect((await codeOf(store.put("bucket-three", "../bucket-one/x", new Uint8Array(1)))).code).toBe("InvalidArgument");
  expect((await codeOf(local.withCredentials(unknown).createBucket("bucket-four"))).code).toBe("InvalidAccessKeyId");
});
