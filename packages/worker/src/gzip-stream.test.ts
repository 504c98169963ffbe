import { expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { gzipStream } from "./gzip-stream.ts";

async function gzipAll(parts: string[], level: number): Promise<Uint8Array> {
  const body = new ReadableStream<string>({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.close();
    },
  })
    .pipeThrough(new TextEncoderStream())
    .pipeThrough(gzipStream(level));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

test("output gunzips to the input, for one part, many parts and none", async () => {
  const parts = Array.from({ length: 5000 }, (_, i) => `row ${i},"quoted, value",ünïcödé\r\n`);
  expect(gunzipSync(await gzipAll(parts, 3)).toString("utf8")).toBe(parts.join(""));
  expect(gunzipSync(await gzipAll(["only"], 1)).toString("utf8")).toBe("only");
  expect(gunzipSync(await gzipAll([], 6)).toString("utf8")).toBe("");
});

test("several streams in one process each complete", async () => {
  const outs = await Promise.all([1, 2, 3].map((n) => gzipAll([`report ${n}`.repeat(10_000)], 3)));
  outs.forEach((o, i) => expect(gunzipSync(o).toString("utf8")).toBe(`report ${i + 1}`.repeat(10_000)));
});
