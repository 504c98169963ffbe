import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { type StoredEvent, toCloudTrailRecord } from "@activity-log/core";

export interface TrailArchive {
  bytes: Uint8Array;
  sha256: string;
  /** SHA-256 (hex) of the decompressed archive (the tar): what CloudTrail digests list as hashValue. */
  contentSha256: string;
  /** The JSON file inside, for tests and digests. */
  fileName: string;
}

/** `{"Records":[…]}` as CloudTrail writes it, one record per event, in the given order. */
function recordsJson(events: readonly StoredEvent[], region: string): string {
  const parts: string[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) parts[i] = JSON.stringify(toCloudTrailRecord(events[i]!, region));
  return `{"Records":[${parts.join(",")}]}`;
}

/**
 * One tar.gz holding one JSON file named like the object (CloudTrail's layout). The bytes are a pure
 * function of (file name, JSON, mtime): the tar entry (tar-stream, ustar) carries the given mtime —
 * the window's end — with uid/gid 0 and fixed mode/owner names, and node:zlib's gzip header has mtime 0
 * and no file name. So a retried window overwrites its object with identical bytes and sha256.
 */
export async function buildTrailArchive(objectKey: string, events: readonly StoredEvent[], region: string, mtime: Date): Promise<TrailArchive> {
  const fileName = objectKey.slice(objectKey.lastIndexOf("/") + 1).replace(/\.tar\.gz$/, ".json");
  const tar = await tarOf(fileName, Buffer.from(recordsJson(events, region), "utf8"), mtime);
  const bytes = new Uint8Array(gzipSync(tar, { level: 6 }));
  return {
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    contentSha256: createHash("sha256").update(tar).digest("hex"),
    fileName,
  };
}

/** A one-entry tar file (two zero blocks at the end, as GNU tar expects). */
function tarOf(name: string, content: Buffer, mtime: Date): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: unknown) => chunks.push(c as Buffer));
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
    p.entry({ name, size: content.length, mtime, mode: 0o644, uid: 0, gid: 0, uname: "root", gname: "root", type: "file" }, content, (err) => {
      if (err) reject(err);
      else p.finalize();
    });
  });
}
