import zlib from "node:zlib";

/**
 * One gzip stream assembled from pieces compressed independently (in parallel threads, or before
 * a worker died): each piece is raw deflate ending in a sync flush (byte-aligned, not final), so
 * pieces concatenate into one valid deflate stream; the gzip trailer's CRC-32 is combined from the
 * pieces' CRCs. A reader sees a single ordinary gzip member.
 */

export interface DeflatedPiece {
  /** Raw deflate, sync-flushed. */
  bytes: Uint8Array;
  /** CRC-32 and byte length of the uncompressed text. */
  crc: number;
  length: number;
}

/** The running totals of the uncompressed stream, enough to write the trailer (and to checkpoint). */
export interface GzipTotals {
  crc: number;
  length: number;
}

// Level 2: on report text (CSV rows of ~300 bytes) it compressed 4 × faster than zlib's default 6
// (1.4 against 5.7 ms a MiB on the benchmark machine) for a file 9 % larger (ratio 10.5 against 11.5),
// and compression is most of what the worker does for a CSV report (BENCHMARKS.md, "Worker").
const LEVEL = 2;

const PIECE_OPTIONS = { level: LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };

export function deflatePiece(text: string): DeflatedPiece {
  const raw = Buffer.from(text, "utf8"); // a quarter faster than TextEncoder here
  return {
    bytes: new Uint8Array(zlib.deflateRawSync(raw, PIECE_OPTIONS)),
    crc: zlib.crc32(raw),
    length: raw.byteLength,
  };
}

/** The 10-byte gzip header: deflate, no name, no time, unknown OS. */
export const GZIP_HEADER = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** The final (empty) deflate block and the gzip trailer: CRC-32 and length mod 2^32, little-endian. */
export function gzipTrailer(totals: GzipTotals): Uint8Array {
  const out = new Uint8Array(10);
  out.set([0x03, 0x00]);
  const view = new DataView(out.buffer);
  view.setUint32(2, totals.crc >>> 0, true);
  view.setUint32(6, totals.length % 2 ** 32, true);
  return out;
}

export function addPiece(totals: GzipTotals, piece: { crc: number; length: number }): GzipTotals {
  return { crc: crc32Combine(totals.crc, piece.crc, piece.length), length: totals.length + piece.length };
}

/**
 * CRC-32 of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine: appending |B| zero bits to
 * crc(A) is a linear map, applied by repeated squaring of the one-zero-bit operator).
 */
export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  if (length2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320; // the CRC-32 polynomial: the operator for one zero bit
  let row = 1;
  for (let n = 1; n < 32; n++) {
    odd[n] = row;
    row <<= 1;
  }
  square(even, odd); // two zero bits
  square(odd, even); // four zero bits
  let crc = crc1 >>> 0;
  let len = length2;
  // Each round squares the operator (one zero byte, then two, four…) and applies it for each set bit of len.
  for (;;) {
    square(even, odd);
    if (len % 2 === 1) crc = times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    square(odd, even);
    if (len % 2 === 1) crc = times(odd, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
  }
  return (crc ^ crc2) >>> 0;
}

function times(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  let v = vector >>> 0;
  for (let i = 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= matrix[i]!;
  return sum >>> 0;
}

function square(out: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) out[n] = times(matrix, matrix[n]!);
}
