import { expect, test } from "bun:test";
import { ConfigError, loadConfig } from "./config.ts";

const base = { SECRET_KEY: "s".repeat(16), INGEST_TOKEN: "i".repeat(16), OPERATOR_TOKEN: "o".repeat(16), DATA_DIR: "/nonexistent-unused" };

test("RULES_ALLOWED_HOSTS: host names, addresses and CIDRs; empty by default; a bad entry stops start-up naming it", () => {
  expect(loadConfig(base).rulesAllowedHosts).toEqual([]);
  expect(loadConfig({ ...base, RULES_ALLOWED_HOSTS: " hooks.internal, 10.1.0.0/16 ,127.0.0.1,::1,localhost" }).rulesAllowedHosts).toEqual([
    "hooks.internal",
    "10.1.0.0/16",
    "127.0.0.1",
    "::1",
    "localhost",
  ]);
  expect(() => loadConfig({ ...base, RULES_ALLOWED_HOSTS: "http://hooks.internal" })).toThrow(
    /RULES_ALLOWED_HOSTS: must be a comma-separated list of host names/,
  );
  expect(() => loadConfig({ ...base, RULES_ALLOWED_HOSTS: "10.0.0.0/40" })).toThrow(ConfigError);
});
