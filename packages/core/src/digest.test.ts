import { describe, expect, test } from "bun:test";
import {
  type WindowRecord,
  archiveWindowStart,
  type CloudTrailDigest,
  checkChain,
  checkCoverage,
  digestStringToSign,
  hourStartsIn,
  notLoggingWindows,
  parseDigest,
  renderDigest,
  windowStartsIn,
  type ReadDigest,
} from "./digest.ts";

const doc = (hour: string, prev: { key: string; sha256: string; signature: string } | null, logFiles: CloudTrailDigest["logFiles"] = []): CloudTrailDigest => ({
  awsAccountId: "123456789012",
  digestStartTime: `2026-11-24T${hour}:00:00Z`,
  digestEndTime: `2026-11-24T${hour}:59:59Z`,
  digestS3Bucket: "b",
  digestS3Object: `d-${hour}`,
  digestPublicKeyFingerprint: "f0",
  digestSignatureAlgorithm: "SHA256withRSA",
  newestEventTime: null,
  oldestEventTime: null,
  previousDigestS3Bucket: prev ? "b" : null,
  previousDigestS3Object: prev?.key ?? null,
  previousDigestHashValue: prev?.sha256 ?? null,
  previousDigestHashAlgorithm: prev ? "SHA-256" : null,
  previousDigestSignature: prev?.signature ?? null,
  logFiles,
});
const read = (d: CloudTrailDigest, sha256: string): ReadDigest => ({ key: d.digestS3Object, sha256, signature: `sig-${sha256}`, file: d });

describe("digest files", () => {
  test("render/parse round trip in CloudTrail's field order; malformed documents are refused", () => {
    const d = doc("10", { key: "d-09", sha256: "aa", signature: "sig-aa" }, [
      {
        s3Bucket: "b",
        s3Object: "k1",
        hashValue: "h1",
        hashAlgorithm: "SHA-256",
        newestEventTime: "2026-11-24T10:04:00Z",
        oldestEventTime: "2026-11-24T10:01:00Z",
      },
    ]);
    const text = renderDigest(d);
    expect(parseDigest(text)).toEqual(d);
    expect(Object.keys(JSON.parse(text))).toEqual([
      "awsAccountId",
      "digestStartTime",
      "digestEndTime",
      "digestS3Bucket",
      "digestS3Object",
      "digestPublicKeyFingerprint",
      "digestSignatureAlgorithm",
      "newestEventTime",
      "oldestEventTime",
      "previousDigestS3Bucket",
      "previousDigestS3Object",
      "previousDigestHashValue",
      "previousDigestHashAlgorithm",
      "previousDigestSignature",
      "logFiles",
    ]);
    const { digestS3Object: _gone, ...rest } = d;
    expect(renderDigest({ ...rest, digestS3Object: "d-10" } as CloudTrailDigest)).toBe(text);
    expect(parseDigest("{")).toBeNull();
    expect(parseDigest(JSON.stringify({ ...JSON.parse(text), logFiles: [{ s3Object: 1 }] }))).toBeNull();
  });

  test("the signed string is the AWS CLI's: end time, bucket/key, document hash, previous signature or null", () => {
    expect(digestStringToSign(doc("10", null), "abc")).toBe("2026-11-24T10:59:59Z\nb/d-10\nabc\nnull");
    expect(digestStringToSign(doc("10", { key: "d-09", sha256: "aa", signature: "5e" }), "abc")).toBe("2026-11-24T10:59:59Z\nb/d-10\nabc\n5e");
  });

  test("chain: intact, altered predecessor, deleted predecessor, restarted chain", () => {
    const link = (key: string, sha256: string) => ({ key, sha256, signature: `sig-${sha256}` });
    const d09 = read(doc("09", null), "h09");
    const d10 = read(doc("10", link("d-09", "h09")), "h10");
    const d11 = read(doc("11", link("d-10", "h10")), "h11");
    expect(checkChain([d09, d10, d11], new Map())).toEqual([]);
    // The first of the range chains to one before it, looked up separately.
    expect(checkChain([d10, d11], new Map([["d-09", { sha256: "h09", signature: "sig-h09" }]]))).toEqual([]);
    expect(checkChain([d10, d11], new Map([["d-09", { sha256: "other", signature: "sig-h09" }]]))[0]).toMatchObject({
      kind: "broken-chain",
      key: "d-10",
      message: expect.stringContaining("altered"),
    });
    expect(checkChain([d10, d11], new Map([["d-09", { sha256: "h09", signature: "forged" }]]))[0]).toMatchObject({ kind: "broken-chain", key: "d-10" });
    expect(checkChain([d10, d11], new Map([["d-09", null]]))[0]).toMatchObject({ kind: "broken-chain", message: expect.stringContaining("does not exist") });
    // d-10 deleted: d-11 points at a missing file.
    expect(checkChain([d09, d11], new Map([["d-10", null]]))).toEqual([expect.objectContaining({ kind: "broken-chain", key: "d-11" })]);
    expect(checkChain([d09, read(doc("10", null), "x")], new Map())).toEqual([
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
