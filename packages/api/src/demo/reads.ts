/** The read-only calls that make up most of the traffic: the Describe* calls console pages and scripts make. */
import type { Actor } from "./actors.ts";
import { emit, type TrafficContext } from "./context.ts";
import { instancesSet, items } from "./ec2-shapes.ts";
import { liveInstances, type Project } from "./world.ts";

/** How often each Describe* call comes up; the order is part of the seeded output. */
const READS: readonly (readonly [string, number])[] = [
  ["DescribeInstances", 30],
  ["DescribeInstanceStatus", 8],
  ["DescribeVolumes", 10],
  ["DescribeSecurityGroups", 8],
  ["DescribeImages", 5],
  ["DescribeSnapshots", 4],
  ["DescribeAddresses", 4],
  ["DescribeKeyPairs", 3],
  ["DescribeVpcs", 3],
  ["DescribeSubnets", 3],
  ["DescribeAvailabilityZones", 3],
  ["DescribeTags", 2],
];

/** One Describe* call, chosen by weight. */
export function read(ctx: TrafficContext, at: number, actor: Actor, project: Project): void {
  const name = ctx.rnd.weighted(READS);
  emit(ctx, at, actor, project, name, { requestParameters: readParameters(ctx, name, project) });
}

function readParameters(ctx: TrafficContext, name: string, project: Project): Record<string, unknown> {
  switch (name) {
    case "DescribeInstances":
      return describeInstancesParameters(ctx, project);
    case "DescribeInstanceStatus":
      return { instancesSet: {}, filterSet: {}, includeAllInstances: true };
    case "DescribeVolumes":
      return { volumeSet: {}, filterSet: {} };
    case "DescribeSecurityGroups":
      return { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} };
    case "DescribeImages":
      return { executableBySet: {}, ownersSet: items([{ owner: "self" }]), filterSet: {} };
    case "DescribeSnapshots":
      return { snapshotSet: {}, ownersSet: items([{ owner: "self" }]), filterSet: {} };
    default:
      return { filterSet: {} };
  }
}

/** Usually the whole list; now and then one instance's page. */
function describeInstancesParameters(ctx: TrafficContext, project: Project): Record<string, unknown> {
  const one = ctx.rnd.chance(0.3) ? liveInstances(ctx.world, project) : [];
  return one.length ? instancesSet([ctx.rnd.pick(one).id]) : { instancesSet: {}, filterSet: {} };
}

/** A burst of polling that tripped the rate limit. */
export function throttledDescribeInstances(ctx: TrafficContext, at: number, actor: Actor, project: Project): void {
  emit(ctx, at, actor, project, "DescribeInstances", {
    requestParameters: { filterSet: {} },
    error: { code: "Client.RequestLimitExceeded", message: "Request limit exceeded." },
  });
}
