import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { TEST_REGION } from "./config.ts";

/** Ways a test bends a raw call: what the SDKs and the CLI never do. */
export interface RawCallOptions {
  /** The X-Amz-Target to send; default the short `CloudTrail_20131101.<operation>`. */
  target?: string;
  /** The region the credential is scoped to; default the service's. */
  region?: string;
  /** Sends X-Amz-Target without signing it. */
  unsignedTarget?: boolean;
  /** Sends another body than the one signed. */
  sendBody?: string;
  /** Extra headers, added after signing. */
  headers?: Record<string, string>;
}

/**
 * A CloudTrail call with a raw body (any bytes: unknown members, broken JSON, invalid UTF-8 — what
 * the SDKs would never send), signed as the AWS CLI signs it: content-type, host, x-amz-date and
 * x-amz-target only.
 */
export async function rawCloudTrailCall(
  url: string,
  key: { accessKeyId: string; secretAccessKey: string },
  operation: string,
  body: string | Uint8Array,
  options: RawCallOptions = {},
): Promise<Response> {
  const u = new URL(url);
  const target = options.target ?? `CloudTrail_20131101.${operation}`;
  const signer = new SignatureV4({ credentials: key, region: options.region ?? TEST_REGION, service: "cloudtrail", sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign({
    method: "POST",
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: "/",
    query: {},
    headers: { "content-type": "application/x-amz-json-1.1", host: u.host, ...(options.unsignedTarget ? {} : { "x-amz-target": target }) },
    body,
  });
  const headers: Record<string, string> = {
    ...(signed.headers as Record<string, string>),
    ...(options.unsignedTarget ? { "x-amz-target": target } : {}),
    ...options.headers,
  };
  delete headers.host;
  return fetch(url, { method: "POST", headers, body: (options.sendBody ?? body) as BodyInit });
}
