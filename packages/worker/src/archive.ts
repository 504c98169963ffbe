import { createHash } from "node:crypto";
import { toCloudTrailRecord, type StoredEvent } from "@activity-log/core/event";

export interface TrailArchive {
  bytes: Uint8Array;
  sha256: string;
  /** The JSON file inside, for tests and digests. */
  fileName: string;
}

/** `{"Records":[…]}` as CloudTrail writes it, one record per event, in the given order. */
export function recordsJson(events: readonly StoredEvent[], region: string): string {
  const parts: string[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) parts[i] = JSON.stringify(toCloudTrailRecord(events[i]!, region));
  return `{"Records":[${parts.join(",")}]}`;
}

/**
 * One tar.gz holding one JSON file named like the object (CloudTrail's layout), built by Bun's own
 * tar writer. The entry's mtime is the build time (Bun.Archive sets it), so bytes of a retry may
 * differ in that header field only; the JSON inside is identical.
 */
export async function buildTrailArchive(objectKey: string, events: readonly StoredEvent[], region: string): Promise<TrailArchive> {
  const fileName = objectKey.slice(objectKey.lastIndexOf("/") + 1).replace(/\.tar\.gz$/, ".json");
  const bytes = await new Bun.Archive({ [fileName]: recordsJson(events, region) }, { compress: "gzip" }).bytes();
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), fileName };
}
