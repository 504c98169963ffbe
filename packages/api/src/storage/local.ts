import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { UNKNOWN_ACCESS_KEY_MESSAGE } from "@activity-log/core";
import { StorageError, type ObjectStorage, type ObjectStore, type S3Credentials } from "./object-store.ts";

/** Answers whether a key pair is one the storage knows (an Active key of this service with that secret). */
export type CredentialCheck = (credentials: S3Credentials) => Promise<boolean>;

/**
 * Object storage in a directory, for the embedded mode: `<root>/<bucket>/<key>`. It behaves like the
 * S3 endpoints it stands in for where users can tell: unknown key pairs are refused with S3's
 * InvalidAccessKeyId message, a missing bucket is NoSuchBucket (buckets appear only via createBucket),
 * and writes are atomic (temp file + rename), so readers never see half an object.
 */
/** The folder of a bucket directory that holds objects' user metadata (a key may not start with it). */
const META_DIR = ".meta";

export function createLocalStorage(root: string, isKnown: CredentialCheck): ObjectStorage {
  return {
    withCredentials: (credentials) =>
      localStore(root, async () => {
        if (!(await isKnown(credentials))) throw new StorageError("InvalidAccessKeyId", UNKNOWN_ACCESS_KEY_MESSAGE, 403);
      }),
    // The service owns the directory; its own calls need no key pair.
    service: () => localStore(root, async () => {}),
    destroy: () => {},
  };
}

function localStore(root: string, authenticate: () => Promise<void>): ObjectStore {
  const bucketDir = async (bucket: string) => {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new StorageError("InvalidBucketName", "The specified bucket is not valid.", 400);
    }
    await authenticate();
    const dir = join(root, bucket);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new StorageError("NoSuchBucket", "The specified bucket does not exist", 404);
    return dir;
  };
  const objectPath = (dir: string, key: string) => {
    const segments = key.split("/");
    if (key.length === 0 || key.length > 1024 || segments.some((s) => s === ".." || s === "." || s === "") || key.includes("\0") || segments[0] === META_DIR) {
      throw new StorageError("InvalidArgument", `The object key ${JSON.stringify(key)} is not supported by the local store.`, 400);
    }
    return join(dir, ...segments);
  };
  // Multipart uploads live in `<bucket>/.upload-<id>/` (hidden from list) until completed.
  const uploadDir = (dir: string, uploadId: string) => {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new StorageError("NoSuchUpload", "The specified upload does not exist.", 404);
    return join(dir, `.upload-${uploadId}`);
  };
  const existingUpload = async (bucket: string, uploadId: string) => {
    const path = uploadDir(await bucketDir(bucket), uploadId);
    if (!(await stat(path).catch(() => null))?.isDirectory()) throw new StorageError("NoSuchUpload", "The specified upload does not exist.", 404);
    return path;
  };
  return {
    multipart: {
      async create(bucket, key) {
        const dir = await bucketDir(bucket);
        objectPath(dir, key);
        const uploadId = crypto.randomUUID();
        await mkdir(uploadDir(dir, uploadId));
        return uploadId;
      },
      async uploadPart(bucket, _key, uploadId, partNumber, body) {
        const path = await existingUpload(bucket, uploadId);
        const temp = join(path, `.tmp-${crypto.randomUUID()}`);
        await writeFile(temp, body);
        await rename(temp, join(path, String(partNumber)));
        return { partNumber, etag: `"${Bun.hash(body).toString(16)}"` };
      },
      async complete(bucket, key, uploadId, parts) {
        const path = await existingUpload(bucket, uploadId);
        let next = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const part = parts[next++];
            if (part) controller.enqueue(new Uint8Array(await readFile(join(path, String(part.partNumber)))));
            else controller.close();
          },
        });
        await localStore(root, authenticate).put(bucket, key, body);
        await rm(path, { recursive: true, force: true });
      },
      async abort(bucket, _key, uploadId) {
        await rm(await existingUpload(bucket, uploadId), { recursive: true, force: true });
      },
    },
    async put(bucket, key, body, options) {
      const dir = await bucketDir(bucket);
      const path = objectPath(dir, key);
      // User metadata lives beside the bucket's objects, in a folder no key may name; written first,
      // so an object is never seen with another write's metadata for longer than this put.
      const metaPath = objectPath(join(dir, META_DIR), key);
      if (options?.metadata && Object.keys(options.metadata).length > 0) {
        await mkdir(dirname(metaPath), { recursive: true });
        await writeFile(metaPath, JSON.stringify(options.metadata));
      } else await rm(metaPath, { force: true });
      await mkdir(dirname(path), { recursive: true });
      const temp = join(dir, `.tmp-${crypto.randomUUID()}`);
      const file = await open(temp, "w");
      try {
        if (body instanceof Uint8Array) {
          await file.write(body);
        } else {
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) await file.write(chunk);
        }
        await file.sync();
      } catch (error) {
        await file.close();
        await rm(temp, { force: true });
        throw error;
      }
      await file.close();
      await rename(temp, path);
    },
    async get(bucket, key) {
      const dir = await bucketDir(bucket);
      const path = objectPath(dir, key);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) return null;
      const meta = await readFile(objectPath(join(dir, META_DIR), key), "utf8").catch(() => null);
      const metadata = meta ? (JSON.parse(meta) as Record<string, string>) : {};
      return { body: Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>, size: info.size, metadata };
    },
    async delete(bucket, key) {
      const dir = await bucketDir(bucket);
      await rm(objectPath(dir, key), { force: true });
      await rm(objectPath(join(dir, META_DIR), key), { force: true });
    },
    async list(bucket, prefix) {
      const dir = await bucketDir(bucket);
      const found: { key: string; size: number }[] = [];
      const walk = async (current: string) => {
        for (const entry of await readdir(current, { withFileTypes: true })) {
          const full = join(current, entry.name);
          if (entry.isDirectory()) {
            if (!(current === dir && (entry.name === META_DIR || entry.name.startsWith(".upload-")))) await walk(full);
          } else if (entry.isFile() && !(current === dir && entry.name.startsWith(".tmp-"))) {
            const key = relative(dir, full).split(sep).join("/");
            if (key.startsWith(prefix)) found.push({ key, size: (await stat(full)).size });
          }
        }
      };
      await walk(dir);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async checkWritable(bucket) {
      const dir = await bucketDir(bucket);
      const probe = join(dir, `.tmp-probe-${crypto.randomUUID()}`);
      try {
        await (await open(probe, "w")).close();
      } catch {
        throw new StorageError("AccessDenied", "Access Denied", 403);
      }
      await rm(probe, { force: true });
    },
    async createBucket(bucket) {
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        throw new StorageError("InvalidBucketName", "The specified bucket is not valid.", 400);
      }
      await authenticate();
      await mkdir(join(root, bucket), { recursive: true });
    },
  };
}
