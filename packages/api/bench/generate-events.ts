import { CLOUDTRAIL_EVENT_SOURCE, DAY_MS, SIGN_IN_EVENT_SOURCE, type StoredEvent, toStoredEvent } from "@activity-log/core";
import type postgres from "postgres";
import { seededRandom } from "../src/demo/random.ts";

/**
 * Realistic synthetic traffic for benchmarks: 3 accounts of unequal size over 30 days, ~80 %
 * read-only EC2/S3/IAM calls, a few % errors, resource ids from a pool (so a resource has a
 * history), users with access keys, console sign-ins. Deterministic for a given seed.
 */

export const BENCH_ACCOUNTS = [
  { id: "bench-big", share: 0.6 },
  { id: "bench-mid", share: 0.3 },
  { id: "bench-small", share: 0.1 },
] as const;
export const BENCH_PROJECTS = ["default", "web", "db", "ml"];
export const BENCH_DAYS = 30;

const READS = [
  "DescribeInstances",
  "DescribeVolumes",
  "DescribeSecurityGroups",
  "DescribeImages",
  "ListBuckets",
  "GetObject",
  "DescribeSnapshots",
  "LookupEvents",
  "GetTrailStatus",
  "ListUsers",
];
const WRITES = [
  "RunInstances",
  "StopInstances",
  "StartInstances",
  "TerminateInstances",
  "CreateVolume",
  "AttachVolume",
  "DeleteVolume",
  "AuthorizeSecurityGroupIngress",
  "CreateBucket",
  "PutObject",
  "CreateSnapshot",
  "CreateUser",
];
const SOURCE: Record<string, string> = {
  Bucket: "s3.amazonaws.com",
  Object: "s3.amazonaws.com",
  User: "iam.amazonaws.com",
  Users: "iam.amazonaws.com",
  Events: CLOUDTRAIL_EVENT_SOURCE,
  Status: CLOUDTRAIL_EVENT_SOURCE,
};
const AGENTS = ["aws-cli/2.15.0 Python/3.11 Linux/6.1", "Boto3/1.34.0 Python/3.12", "aws-sdk-js/3.600.0", "console.k2.cloud", "terraform-provider-aws/5.40"];

const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join("");

export interface GeneratorOptions {
  count: number;
  end: Date;
  /** Days the times spread over, ending at `end` (default BENCH_DAYS). */
  days?: number;
  seed?: number;
  idPrefix?: string;
}

/** Yields events in chunks (oldest to newest is not guaranteed; times are uniform over 30 days). */
export function* generateEvents(o: GeneratorOptions, chunk = 10_000): Generator<StoredEvent[]> {
  const r = seededRandom(o.seed ?? 42).next;
  const span = (o.days ?? BENCH_DAYS) * DAY_MS;
  const endMs = o.end.getTime();
  const pools = new Map<string, { instances: string[]; volumes: string[]; users: string[]; keys: string[] }>();
  for (const a of BENCH_ACCOUNTS) {
    const p = seededRandom(a.id.length * 7919).next;
    const users = Array.from({ length: 25 }, (_, i) => `user${i}`);
    pools.set(a.id, {
      instances: Array.from({ length: 4000 }, () => `i-${hex(p, 17)}`),
      volumes: Array.from({ length: 3000 }, () => `vol-${hex(p, 17)}`),
      users,
      keys: users.map(() => `AKIA${hex(p, 16).toUpperCase()}`),
    });
  }
  const ids = { newEventId: () => crypto.randomUUID(), newRequestId: () => crypto.randomUUID() };
  let out: StoredEvent[] = [];
  for (let n = 0; n < o.count; n++) {
    const x = r();
    const account = x < 0.6 ? BENCH_ACCOUNTS[0] : x < 0.9 ? BENCH_ACCOUNTS[1] : BENCH_ACCOUNTS[2];
    const pool = pools.get(account.id)!;
    const u = Math.floor(r() * pool.users.length);
    const read = r() < 0.8;
    const eventName = read ? READS[Math.floor(r() * READS.length)]! : WRITES[Math.floor(r() * WRITES.length)]!;
    const suffix = Object.keys(SOURCE).find((s) => eventName.endsWith(s));
    const eventSource = suffix ? SOURCE[suffix]! : "ec2.amazonaws.com";
    let requestParameters: Record<string, unknown> | null = null;
    if (/Instances$/.test(eventName))
      requestParameters = read && r() < 0.7 ? { maxResults: 100 } : { InstanceId: [pool.instances[Math.floor(r() * pool.instances.length)]] };
    else if (/Volume/.test(eventName)) requestParameters = { VolumeId: pool.volumes[Math.floor(r() * pool.volumes.length)] };
    else if (/Bucket|Object/.test(eventName)) requestParameters = { bucketName: `bucket-${Math.floor(r() * 50)}`, key: `path/${hex(r, 8)}.json` };
    const failed = r() < 0.03;
    const signIn = r() < 0.005;
    out.push(
      toStoredEvent(
        {
          eventID: `${o.idPrefix ?? ""}${crypto.randomUUID()}`,
          eventTime: new Date(endMs - Math.floor(r() * span)).toISOString(),
          eventName: signIn ? "ConsoleLogin" : eventName,
          eventType: signIn ? "AwsConsoleSignIn" : "AwsApiCall",
          eventSource: signIn ? SIGN_IN_EVENT_SOURCE : eventSource,
          recipientAccountId: account.id,
          project: BENCH_PROJECTS[Math.floor(r() * r() * BENCH_PROJECTS.length)]!,
          userName: pool.users[u]!,
          accessKeyId: signIn ? null : pool.keys[u]!,
          sourceIPAddress: `10.${Math.floor(r() * 4)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
          userAgent: AGENTS[Math.floor(r() * AGENTS.length)]!,
          requestID: null,
          requestParameters,
          responseElements: read || failed ? null : { requestId: hex(r, 8), return: true },
          errorCode: failed ? "Client.UnauthorizedOperation" : null,
          errorMessage: failed ? "You are not authorized to perform this operation." : null,
          additionalEventData: null,
          resources: null,
          readOnly: null,
        },
        ids,
      ),
    );
    if (out.length === chunk) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

// ---------------------------------------------------------------------------------------------
// COPY text format

function copyText(v: string | null): string {
  if (v === null) return "\\N";
  return v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function pgArray(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

const COPY_COLUMNS = `account_id, project, event_time, event_id, event_name, event_type, event_source, read_only, user_name,
  access_key_id, source_ip, user_agent, request_id, error_code, error_message, request_parameters, response_elements,
  additional_event_data, resources, resource_ids, search_text`;

function copyLine(e: StoredEvent): string {
  return `${[
    e.accountId,
    e.project,
    e.eventTime.toISOString(),
    e.eventId,
    e.eventName,
    e.eventType,
    e.eventSource,
    e.readOnly ? "t" : "f",
    e.userName,
    e.accessKeyId,
    e.sourceIp,
    e.userAgent,
    e.requestId,
    e.errorCode,
    e.errorMessage,
    json(e.requestParameters),
    json(e.responseElements),
    json(e.additionalEventData),
    JSON.stringify(e.resources),
    pgArray(e.resourceIds),
    e.searchText,
  ]
    .map(copyText)
    .join("\t")}\n`;
}

/** Raw COPY of the given chunks into `events` (partitions must exist) or another table like it. Returns rows copied. */
export async function copyEvents(pg: postgres.Sql, chunks: Iterable<StoredEvent[]>, table = "events"): Promise<number> {
  const stream = await pg.unsafe(`copy ${table} (${COPY_COLUMNS}) from stdin`).writable();
  let rows = 0;
  for (const chunk of chunks) {
    const text = chunk.map(copyLine).join("");
    rows += chunk.length;
    if (!stream.write(text)) await new Promise((resolve) => stream.once("drain", resolve));
  }
  await new Promise<void>((resolve, reject) => {
    stream.once("finish", resolve);
    stream.once("error", reject);
    stream.end();
  });
  return rows;
}
