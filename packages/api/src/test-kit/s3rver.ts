/// <reference path="./s3rver.d.ts" />
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import type { ObjectStorage } from "../storage/object-store.ts";
import { createS3Storage } from "../storage/s3.ts";

/** The key pair s3rver knows from the start: the service's own (REPORTS_ACCESS_KEY_ID / _SECRET_). */
const S3RVER_SERVICE_KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface S3rverHandle {
  endpoint: string;
  /** A storage client for the server, with the service's key pair. */
  storage: ObjectStorage;
  /** The environment that points the service at this server. */
  env: Record<string, string>;
  /** Registers a key pair with the server (it checks key ids only). */
  addKey(id: string, secret: string): void;
  removeKey(id: string): void;
  close(): Promise<void>;
}

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?(): void };
}

/** An s3rver on a free loopback port, speaking the real S3 protocol. */
export async function startS3rver(): Promise<S3rverHandle> {
  const directory = mkdtempSync(join(tmpdir(), "al-s3rver-"));
  const server: S3rverServer = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const storage = createS3Storage({ endpoint, region: "us-east-1", forcePathStyle: true, serviceCredentials: S3RVER_SERVICE_KEY });
  const account = AWSAccount.DUMMY_ACCOUNT as { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
  return {
    endpoint,
    storage,
    env: { S3_ENDPOINT: endpoint, REPORTS_ACCESS_KEY_ID: S3RVER_SERVICE_KEY.accessKeyId, REPORTS_SECRET_ACCESS_KEY: S3RVER_SERVICE_KEY.secretAccessKey },
    addKey: (id, secret) => account.createKeyPair(id, secret),
    removeKey: (id) => account.revokeAccessKey(id),
    async close() {
      storage.destroy();
      // The SDK keeps sockets alive; close them or close() waits for them.
      server.httpServer?.closeAllConnections?.();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
