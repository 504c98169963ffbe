import { describe, expect, test } from "bun:test";
import {
  type WindowRecord,
  archiveWindowStart,
  canonicalDigest,
  checkChain,
  checkCoverage,
  hourStartsIn,
  notLoggingWindows,
  parseDigest,
  renderDigest,
  windowStartsIn,
  type DigestBody,
  type ReadDigest,
} from "./digest.ts";

const body = (hour: string, prev: { key: string; sha256: string } | null, archives: DigestBody["archives"] = []): DigestBody => ({
  digestStartTime: `2026-11-24T${hour}:00:00Z`,
  digestEndTime: `2026-11-24T${hour}:59:59Z`,
  trailARN: "arn:aws:cloudtrail:r:acme:trail/main",
  bucket: "b",
  key: `d-${hour}`,
  previousDigestKey: prev?.key ?? null,
  previousDigestSha256: prev?.sha256 ?? null,
  archives,
});
const read = (b: DigestBody, sha256: string): ReadDigest => ({
  key: b.key,
  sha256,
  file: { ...b, version: "1", signatureAlgorithm: "HMAC-SHA256", signature: "s" },
});

describe("digest files", () => {
  test("render/parse round trip; canonical form is stable and field-order independent", () => {
    const b = body("10", { key: "d-09", sha256: "aa" }, [{ key: "k1", sha256: "h1", eventCount: 2, windowStart: "2026-11-24T10:00:00Z" }]);
    const text = renderDigest(b, "sig");
    const parsed = parseDigest(text)!;
    expect(parsed.signature).toBe("sig");
    expect(canonicalDigest(parsed)).toBe(canonicalDigest(b));
    expect(renderDigest(parsed, parsed.signature)).toBe(text);
    const { archives, key, ...rest } = b;
    const shuffled: DigestBody = { archives, key, ...rest };
    expect(canonicalDigest(shuffled)).toBe(canonicalDigest(b));
    expect(canonicalDigest({ ...b, archives: [{ ...b.archives[0]!, eventCount: 3 }] })).not.toBe(canonicalDigest(b));
    expect(parseDigest("{")).toBeNull();
    expect(parseDigest(JSON.stringify({ ...JSON.parse(text), archives: [{ key: 1 }] }))).toBeNull();
  });

  test("chain: intact, altered predecessor, deleted predecessor, restarted chain", () => {
    const d09 = read(body("09", null), "h09");
    const d10 = read(body("10", { key: "d-09", sha256: "h09" }), "h10");
    const d11 = read(body("11", { key: "d-10", sha256: "h10" }), "h11");
    expect(checkChain([d09, d10, d11], new Map())).toEqual([]);
    // The first of the range chains to one before it, looked up separately.
    expect(checkChain([d10, d11], new Map([["d-09", "h09"]]))).toEqual([]);
    expect(checkChain([d10, d11], new Map([["d-09", "other"]]))[0]).toMatchObject({
      kind: "broken-chain",
      key: "d-10",
      message: expect.stringContaining("altered"),
    });
    expect(checkChain([d10, d11], new Map([["d-09", null]]))[0]).toMatchObject({ kind: "broken-chain", message: expect.stringContaining("does not exist") });
    // d-10 deleted: d-11 points at a missing file.
    expect(checkChain([d09, d11], new Map([["d-10", null]]))).toEqual([expect.objectContaining({ kind: "broken-chain", key: "d-11" })]);
    expect(checkChain([d09, read(body("10", null), "x")], new Map())).toEqual([
      expect.objectContaining({ kind: "broken-chain", message: expect.stringContaining("new chain") }),
    ]);
  });

  test("coverage: every window accounted for, every archive listed", () => {
    const t = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
    const starts = windowStartsIn(new Date(t("10:00")), new Date(t("10:20")));
    expect(starts).toEqual([t("10:00"), t("10:05"), t("10:10"), t("10:15")]);
    const records = new Map<number, WindowRecord>([
      [t("10:00"), { status: "delivered" as const, objectKey: "a" }],
      [t("10:05"), { status: "empty" as const, objectKey: null }],
      [t("10:10"), { status: "skipped" as const, objectKey: null }],
      [t("10:15"), { status: "delivered" as const, objectKey: "b" }],
    ]);
    const listed = new Map([
      ["a", t("10:00")],
      ["b", t("10:15")],
    ]);
    expect(checkCoverage({ windowStarts: starts, records, listed, bucketArchives: ["a", "b"] })).toEqual([]);
    const problems = checkCoverage({
      windowStarts: [...starts, t("10:20"), t("10:25")],
      records: new Map([...records, [t("10:25"), { status: "pending", objectKey: "c" }]]),
      listed: new Map([["a", t("10:00")]]),
      bucketArchives: ["a", "b", "x"],
    });
    expect(problems.map((p) => [p.kind, p.window ?? p.key])).toEqual([
      ["missing-window", "2026-11-24T10:15:00.000Z"],
      ["undelivered-window", "2026-11-24T10:25:00.000Z"],
      ["unlisted-archive", "b"],
      ["unlisted-archive", "x"],
    ]);
    // 10:20 has no record at all: the trail was not logging — a gap, reported apart.
    expect(notLoggingWindows([...starts, t("10:20")], records)).toEqual(["2026-11-24T10:20:00.000Z"]);
  });

  test("archive names and ranges", () => {
    expect(archiveWindowStart("p/AWSLogs/acme/CloudTrail/r/2026/11/24/acme_CloudTrail_r_20261124T1005Z_0123abcd.tar.gz")).toBe(
      Date.parse("2026-11-24T10:05:00Z"),
    );
    expect(archiveWindowStart("p/other.json")).toBeNull();
    expect(hourStartsIn(new Date("2026-11-24T10:30:00Z"), new Date("2026-11-24T12:00:00Z"))).toEqual([
      Date.parse("2026-11-24T10:00:00Z"),
      Date.parse("2026-11-24T11:00:00Z"),
    ]);
  });
});
