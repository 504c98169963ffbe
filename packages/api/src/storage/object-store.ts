/**
 * The object-storage port. Trails write into customers' buckets with the customer's own key pair;
 * reports go to the service's own bucket. Implementations: s3.ts (any S3 endpoint, via
 * @aws-sdk/client-s3) and local.ts (a directory per bucket, for the embedded mode).
 */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Why a storage call failed, in S3's own terms; `message` is shown to users verbatim. */
export class StorageError extends Error {
  constructor(
    /** S3 error code, e.g. NoSuchBucket, InvalidAccessKeyId, AccessDenied, or NetworkError. */
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ObjectStore {
  /**
   * Writes an object whole or from a stream of parts; overwrites an existing key. `metadata` is S3
   * user metadata (`x-amz-meta-*`, lower-case names), as digests carry their signature.
   */
  put(
    bucket: string,
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: { contentType?: string; metadata?: Record<string, string> },
  ): Promise<void>;
  /** Reads an object as a stream with its user metadata, or null when the key does not exist. */
  get(bucket: string, key: string): Promise<{ body: ReadableStream<Uint8Array>; size: number; metadata: Record<string, string> } | null>;
  delete(bucket: string, key: string): Promise<void>;
  /** Keys under a prefix, for validation and tests. */
  list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]>;
  /**
   * Proves these credentials may write into the bucket (creating and removing a small probe
   * object). Throws StorageError NoSuchBucket / InvalidAccessKeyId / AccessDenied.
   */
  checkWritable(bucket: string): Promise<void>;
  createBucket(bucket: string): Promise<void>;
  /** Resumable uploads in numbered parts (reports checkpoint after each part); absent on stores without them. */
  multipart?: MultipartUploads;
}

interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * S3's multipart upload: parts of at least 5 MiB except the last, numbered from 1; nothing is
 * visible at the key until complete(). An upload that is gone (aborted, expired) answers
 * StorageError NoSuchUpload.
 */
interface MultipartUploads {
  create(bucket: string, key: string, options?: { contentType?: string }): Promise<string>;
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<UploadedPart>;
  complete(bucket: string, key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  abort(bucket: string, key: string, uploadId: string): Promise<void>;
}

/** Opens stores: with given credentials (trail buckets) or with the service's own (reports). */
export interface ObjectStorage {
  withCredentials(credentials: S3Credentials): ObjectStore;
  service(): ObjectStore;
  /** Closes kept-alive connections, so the process can exit. */
  destroy(): void;
}
