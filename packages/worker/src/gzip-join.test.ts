import { describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { addPiece, crc32Combine, deflatePiece, GZIP_HEADER, type GzipTotals, gzipTrailer } from "./gzip-join.ts";

describe("gzip from independently compressed pieces", () => {
  test("crc32Combine equals the CRC-32 of the concatenation, empty and large pieces included", () => {
    const r = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17) & 0xff);
    for (const [a, b] of [
      [0, 0],
      [0, 5],
      [7, 0],
      [1, 1],
      [1000, 3],
      [65_537, 100_003],
    ] as const) {
      const x = r(a, 1);
      const y = r(b, 2);
      const whole = new Uint8Array([...x, ...y]);
      expect(crc32Combine(zlib.crc32(x), zlib.crc32(y), y.byteLength)).toBe(zlib.crc32(whole));
    }
  });

  test("pieces joined with a header and trailer are one gzip member that gunzip and the DecompressionStream read back", async () => {
    const texts = ["eventTime,eventName\r\n", "", "2026-11-24T10:00:00Z,RunInstances\r\n".repeat(500), "Ünïcødé 🚀\r\n", "x".repeat(70_000)];
    let totals: GzipTotals = { crc: 0, length: 0 };
    const chunks: Uint8Array[] = [GZIP_HEADER];
    for (const t of texts) {
      const p = deflatePiece(t);
      totals = addPiece(totals, p);
      chunks.push(p.bytes);
    }
    chunks.push(gzipTrailer(totals));
    const gz = new Uint8Array(Buffer.concat(chunks));
    const expected = texts.join("");
    expect(zlib.gunzipSync(gz).toString("utf8")).toBe(expected);
    // One member: the stream's own trailer check passes and nothing follows it.
    const viaStream = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
    expect(viaStream).toBe(expected);
    // A corrupted trailer is caught (the CRC really is checked).
    const bad = gz.slice();
    bad[bad.length - 6]! ^= 1;
    expect(() => zlib.gunzipSync(bad)).toThrow();
  });
});
