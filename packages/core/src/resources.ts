// Derives the resources a call acted on from its requestParameters, so "who touched
// i-0abc…" works even when the calling service did not list resources itself.
// Handles both wire styles: query/SDK (`InstanceId`, `InstanceId.1`, `InstanceIds: [...]`)
// and CloudTrail's recorded EC2 shape (`instancesSet: { items: [{ instanceId }] }`).
import { CLOUDTRAIL_EVENT_SOURCE } from "./event-sources.ts";

export type Resource = { type: string; name: string };

/** Parameter name (first letter lower-cased, singular) → CloudFormation-style resource type. */
export const RESOURCE_PARAMETERS: Readonly<Record<string, string>> = {
  instanceId: "AWS::EC2::Instance",
  volumeId: "AWS::EC2::Volume",
  groupId: "AWS::EC2::SecurityGroup",
  snapshotId: "AWS::EC2::Snapshot",
  imageId: "AWS::EC2::Ami",
  vpcId: "AWS::EC2::VPC",
  subnetId: "AWS::EC2::Subnet",
  networkInterfaceId: "AWS::EC2::NetworkInterface",
  allocationId: "AWS::EC2::EIP",
  keyName: "AWS::EC2::KeyPair",
  dBInstanceIdentifier: "AWS::RDS::DBInstance",
  bucket: "AWS::S3::Bucket",
  bucketName: "AWS::S3::Bucket",
  trailName: "AWS::CloudTrail::Trail",
};

export const TRAIL_RESOURCE_TYPE = "AWS::CloudTrail::Trail";
const MAX_DEPTH = 6;
const MAX_NAME_LENGTH = 1024;

function resourceTypeOf(key: string): string | undefined {
  // `InstanceId.3` → `InstanceId` → `instanceId`; `InstanceIds` → `instanceId`.
  const base = key.replace(/\.\d+$/, "");
  const k = base.charAt(0).toLowerCase() + base.slice(1);
  if (Object.hasOwn(RESOURCE_PARAMETERS, k)) return RESOURCE_PARAMETERS[k];
  if (k.endsWith("s")) {
    const singular = k.slice(0, -1);
    if (Object.hasOwn(RESOURCE_PARAMETERS, singular)) return RESOURCE_PARAMETERS[singular];
  }
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME_LENGTH;
}

/**
 * Resources named in `requestParameters`, deduplicated, in first-seen order.
 * `Name`/`name` counts as a trail only for CloudTrail's own calls (elsewhere it is too generic).
 */
export function extractResources(requestParameters: unknown, eventSource?: string): Resource[] {
  const out = new ResourceSet();
  if (!isPlainObject(requestParameters)) return out.list;
  if (eventSource === CLOUDTRAIL_EVENT_SOURCE) {
    const name = requestParameters.Name ?? requestParameters.name;
    if (isName(name)) out.add(TRAIL_RESOURCE_TYPE, name);
  }
  walk(requestParameters, 0, out);
  return out.list;
}

function walk(node: unknown, depth: number, out: ResourceSet): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(node)) {
    for (const item of node) walk(item, depth + 1, out);
    return;
  }
  if (!isPlainObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const type = resourceTypeOf(key);
    if (type !== undefined) {
      if (isName(value)) out.add(type, value);
      else if (Array.isArray(value))
        for (const v of value)
          if (isName(v)) out.add(type, v);
          else walk(value, depth + 1, out);
    } else {
      walk(value, depth + 1, out);
    }
  }
}

/** Insertion-ordered set of resources keyed by type and name. */
export class ResourceSet {
  readonly list: Resource[] = [];
  private readonly seen = new Set<string>();
  add(type: string, name: string): void {
    const key = `${type}\u0000${name}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ type, name });
  }
}

/** Given resources first, then derived ones, without duplicates. */
export function mergeResources(...lists: Resource[][]): Resource[] {
  const set = new ResourceSet();
  for (const list of lists) for (const r of list) set.add(r.type, r.name);
  return set.list;
}
