import { type Config, loadConfig } from "../config.ts";

/** The secrets and region every test configuration shares (tests that send tokens import these). */
const TEST_SECRET_KEY = "test-secret-key-0123456789abcdef";
export const TEST_INGEST_TOKEN = "test-ingest-token-0123456789";
export const TEST_OPERATOR_TOKEN = "test-operator-token-0123456789";
export const TEST_REGION = "ru-msk";

/** A test's environment: what a deployment would set, plus `overrides`. */
export function testEnv(dataDir: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    DATA_DIR: dataDir,
    SECRET_KEY: TEST_SECRET_KEY,
    INGEST_TOKEN: TEST_INGEST_TOKEN,
    OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
    REGION: TEST_REGION,
    DEMO: "0",
    LOG_LEVEL: "silent",
    // Rule webhooks go to receivers on loopback in tests.
    RULES_ALLOWED_HOSTS: "127.0.0.1,::1,localhost",
    ...overrides,
  };
}

/** The configuration of a test, through the service's own loader (so it is validated like a real one). */
export function testConfig(dataDir: string, overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(dataDir, overrides));
}
