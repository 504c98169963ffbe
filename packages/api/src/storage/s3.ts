import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { StorageError, type ObjectStorage, type ObjectStore, type S3Credentials } from "./object-store.ts";

export interface S3StorageOptions {
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
  /** The service's own key pair (reports bucket); without it `service()` refuses. */
  serviceCredentials?: S3Credentials;
}

/** Object storage on any S3-compatible endpoint; one client per key pair, created on demand. */
export function createS3Storage(options: S3StorageOptions): ObjectStorage {
  const clients = new Map<string, S3Client>();
  const clientFor = (credentials: S3Credentials) => {
    const cacheKey = `${credentials.accessKeyId}\u0000${credentials.secretAccessKey}`;
    let client = clients.get(cacheKey);
    if (!client) {
      client = new S3Client({
        endpoint: options.endpoint,
        region: options.region,
        forcePathStyle: options.forcePathStyle,
        credentials,
        // Trails and reports must fail fast and visibly rather than retry for minutes.
        maxAttempts: 2,
      });
      clients.set(cacheKey, client);
    }
    return client;
  };
  return {
    withCredentials: (credentials) => s3Store(clientFor(credentials)),
    service() {
      if (!options.serviceCredentials) {
        throw new StorageError("MissingCredentials", "REPORTS_ACCESS_KEY_ID and REPORTS_SECRET_ACCESS_KEY must be set to use S3 for reports.");
      }
      return s3Store(clientFor(options.serviceCredentials));
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

function s3Store(client: S3Client): ObjectStore {
  return {
    async put(bucket, key, body, opts) {
      await mapErrors(async () => {
        if (body instanceof Uint8Array) {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: opts?.contentType, Metadata: opts?.metadata }));
        } else {
          // Streams of unknown length go up in parts, so memory stays flat whatever the size.
          await new Upload({ client, params: { Bucket: bucket, Key: key, Body: body, ContentType: opts?.contentType, Metadata: opts?.metadata } }).done();
        }
      });
    },
    async get(bucket, key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) return null;
        return { body: out.Body.transformToWebStream() as ReadableStream<Uint8Array>, size: out.ContentLength ?? 0, metadata: out.Metadata ?? {} };
      } catch (error) {
        if (error instanceof S3ServiceException && error.name === "NoSuchKey") return null;
        throw toStorageError(error);
      }
    },
    async delete(bucket, key) {
      await mapErrors(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    },
    async list(bucket, prefix) {
      return mapErrors(async () => {
        const found: { key: string; size: number }[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          for (const o of page.Contents ?? []) found.push({ key: o.Key!, size: o.Size ?? 0 });
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return found;
      });
    },
    async checkWritable(bucket) {
      // A PutObject has an error body (HeadBucket has none), so S3's own message reaches the user.
      const probe = `.activity-log-write-check/${crypto.randomUUID()}`;
      await mapErrors(async () => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: new Uint8Array(0) }));
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
      });
    },
    async createBucket(bucket) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const e = toStorageError(error);
        if (e.code === "BucketAlreadyOwnedByYou" || e.code === "BucketAlreadyExists") return;
        throw e;
      }
    },
    multipart: {
      async create(bucket, key, opts) {
        const out = await mapErrors(() => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: opts?.contentType })));
        return out.UploadId!;
      },
      async uploadPart(bucket, key, uploadId, partNumber, body) {
        const out = await mapErrors(() =>
          client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body })),
        );
        return { partNumber, etag: out.ETag! };
      },
      async complete(bucket, key, uploadId, parts) {
        await mapErrors(() =>
          client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
            }),
          ),
        );
      },
      async abort(bucket, key, uploadId) {
        await mapErrors(() => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })));
      },
    },
  };
}

async function mapErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toStorageError(error);
  }
}

/** S3's code and message as the endpoint sent them; network failures become NetworkError. */
function toStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata?.httpStatusCode;
    const code =
      error.name && error.name !== "Error" && error.name !== "Unknown"
        ? error.name
        : status === 404
          ? "NoSuchBucket"
          : status === 403
            ? "AccessDenied"
            : "UnknownError";
    return new StorageError(code, error.message || code, status);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError("NetworkError", `Object storage is unreachable: ${message}`);
}
