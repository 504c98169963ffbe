import type { ObjectStorage } from "../storage/object-store.ts";

/** The `{"Records":[…]}` inside a tar.gz archive, read back with Bun.Archive. */
export async function readArchive(bytes: Uint8Array): Promise<{ names: string[]; records: Record<string, unknown>[] }> {
  const files = await new Bun.Archive(bytes).files();
  const names = [...files.keys()];
  const records: Record<string, unknown>[] = [];
  for (const f of files.values()) records.push(...(JSON.parse(await f.text()) as { Records: Record<string, unknown>[] }).Records);
  return { names, records };
}

export async function readObject(store: ReturnType<ObjectStorage["service"]>, bucket: string, key: string): Promise<Uint8Array> {
  const got = await store.get(bucket, key);
  if (!got) throw new Error(`no object ${key}`);
  return new Uint8Array(await new Response(got.body).arrayBuffer());
}
