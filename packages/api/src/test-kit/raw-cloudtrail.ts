import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { TEST_REGION } from "./config.ts";

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
): Promise<Response> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: key, region: TEST_REGION, service: "cloudtrail", sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign({
    method: "POST",
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: "/",
    query: {},
    headers: { "content-type": "application/x-amz-json-1.1", host: u.host, "x-amz-target": `CloudTrail_20131101.${operation}` },
    body,
  });
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return fetch(url, { method: "POST", headers, body: body as BodyInit });
}
