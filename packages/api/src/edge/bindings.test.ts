import { describe, expect, test } from "bun:test";
import { readEdgeBindings } from "./bindings.ts";

const VALID = { DATABASE_URL: "postgres://u@db:5432/al", SECRET_KEY: "0123456789abcdef0123", S3_ENDPOINT: "https://s3.example.com" };

describe("the Worker's bindings", () => {
  test("Hyperdrive's connection string wins over DATABASE_URL; defaults fill the rest", () => {
    const s = readEdgeBindings({ ...VALID, HYPERDRIVE: { connectionString: "postgres://h@hyperdrive:5432/al" } });
    expect(s.databaseUrl).toBe("postgres://h@hyperdrive:5432/al");
    expect(s.config).toMatchObject({
      region: "ru-msk",
      s3Endpoint: "https://s3.example.com",
      s3Region: "us-east-1",
      s3ForcePathStyle: true,
      secretKey: VALID.SECRET_KEY,
    });
    expect(s.rateLimit).toBeUndefined();
    expect(readEdgeBindings({ ...VALID, CLOUDTRAIL_RATE_LIMIT: "5/10", S3_FORCE_PATH_STYLE: "no" })).toMatchObject({
      rateLimit: { ratePerSecond: 5, burst: 10 },
      config: { s3ForcePathStyle: false },
    });
  });

  test("a missing or bad binding is refused with a message naming it", () => {
    const { DATABASE_URL: _db, ...noDatabase } = VALID;
    expect(() => readEdgeBindings(noDatabase)).toThrow("bind Hyperdrive as HYPERDRIVE, or set DATABASE_URL");
    const { SECRET_KEY: _key, S3_ENDPOINT: _s3, ...bare } = VALID;
    expect(() => readEdgeBindings({ ...bare, S3_ENDPOINT: VALID.S3_ENDPOINT })).toThrow("SECRET_KEY must be set");
    expect(() => readEdgeBindings({ ...VALID, SECRET_KEY: "short" })).toThrow("SECRET_KEY must be at least 16 characters");
    expect(() => readEdgeBindings({ ...bare, SECRET_KEY: VALID.SECRET_KEY })).toThrow("S3_ENDPOINT must be set");
    expect(() => readEdgeBindings({ ...VALID, DATABASE_URL: "mysql://x" })).toThrow("DATABASE_URL must start with postgres://");
    expect(() => readEdgeBindings({ ...VALID, REGION: "Moscow" })).toThrow("REGION must look like ru-msk");
    expect(() => readEdgeBindings({ ...VALID, CLOUDTRAIL_RATE_LIMIT: "fast" })).toThrow("CLOUDTRAIL_RATE_LIMIT must look like 20/50");
    expect(() => readEdgeBindings({ ...VALID, CLOUDTRAIL_RATE_LIMIT: "0/50" })).toThrow("the rate must be above 0");
    expect(() => readEdgeBindings({ ...VALID, LOG_LEVEL: "loud" })).toThrow("LOG_LEVEL must be one of");
  });
});
