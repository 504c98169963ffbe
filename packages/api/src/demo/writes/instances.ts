/** Writes that launch, stop, start, reboot, terminate, retype and tag instances. */
import type { TrafficContext } from "../context.ts";
import { instanceResource, instancesSet, items, pendingState, type StateName, stateChanges } from "../ec2-shapes.ts";
import type { Random } from "../random.ts";
import {
  addInstance,
  changeableInstances,
  IMAGES,
  INSTANCE_TYPES,
  type Instance,
  type InstanceState,
  liveInstances,
  newResourceId,
  type Project,
  terminateInstance,
  ZONES,
} from "../world.ts";
import { emitWrite, refuse, type WriteCall, type WriteHandler } from "./write.ts";

/** Instances launched during the month are named so; only they are terminated at random, the original fleet stays. */
const LAUNCHED = /^(stg|tmp)-/;
const launchedName = (rnd: Random, project: Project) => `${project === "staging" ? "stg" : "tmp"}-${rnd.hex(4)}`;

/** A stop or a start: instances go `from` one state `to` the next, reported as `via` the transitional one. */
type Transition = { from: InstanceState & StateName; via: StateName; to: InstanceState; verb: string };

export const stopInstances: WriteHandler = (ctx, call) =>
  changeState(ctx, call, { from: "running", via: "stopping", to: "stopped", verb: "stopped" }, { force: false });

export const startInstances: WriteHandler = (ctx, call) => changeState(ctx, call, { from: "stopped", via: "pending", to: "running", verb: "started" }, {});

function changeState(ctx: TrafficContext, call: WriteCall, t: Transition, extraParameters: Record<string, unknown>): boolean {
  const candidates = changeableInstances(ctx.world, call.project, (i) => i.state === t.from);
  if (candidates.length === 0) return tryInWrongState(ctx, call, t.verb);
  const targets = pickOneToThree(ctx.rnd, candidates);
  const ids = targets.map((i) => i.id);
  if (!call.allowed) return refuse(ctx, call, instancesSet(ids));
  emitWrite(ctx, call, { requestParameters: { ...instancesSet(ids), ...extraParameters }, responseElements: stateChanges(ids, t.via, t.from) });
  for (const i of targets) i.state = t.to;
  return true;
}

export const rebootInstances: WriteHandler = (ctx, call) => {
  const candidates = changeableInstances(ctx.world, call.project, (i) => i.state === "running");
  if (candidates.length === 0) return tryInWrongState(ctx, call, "rebooted");
  const ids = [ctx.rnd.pick(candidates).id];
  if (!call.allowed) return refuse(ctx, call, instancesSet(ids));
  emitWrite(ctx, call, { requestParameters: instancesSet(ids), responseElements: { _return: true } });
  return true;
};

/** Mostly one instance, sometimes two or three (a repeated draw counts once). */
function pickOneToThree(rnd: Random, candidates: Instance[]): Instance[] {
  const count = rnd.weighted([
    [1, 6],
    [2, 3],
    [3, 1],
  ] as const);
  return [...new Set(Array.from({ length: count }, () => rnd.pick(candidates)))];
}

/** Nothing is in the right state, but occasionally someone tries anyway: the API says why not. */
function tryInWrongState(ctx: TrafficContext, call: WriteCall, verb: string): boolean {
  const any = changeableInstances(ctx.world, call.project, () => true);
  if (any.length === 0 || !ctx.rnd.chance(0.3) || !call.allowed) return false;
  const target = ctx.rnd.pick(any);
  emitWrite(ctx, call, {
    requestParameters: instancesSet([target.id]),
    error: { code: "Client.IncorrectInstanceState", message: `The instance '${target.id}' is not in a state from which it can be ${verb}.` },
  });
  return true;
}

export const runInstances: WriteHandler = (ctx, call) => {
  const { rnd, world } = ctx;
  const { actor, project } = call;
  if (project === "production" && actor.kind === "human") return false; // production is changed by the deploy bot
  const imageId = rnd.pick(IMAGES);
  const instanceType = rnd.pick(INSTANCE_TYPES);
  const requestParameters = {
    instancesSet: items([{ imageId, minCount: 1, maxCount: 1, keyName: `${actor.userName}-key` }]),
    instanceType,
    blockDeviceMapping: {},
    availabilityZone: rnd.pick(ZONES),
    monitoring: { enabled: false },
    disableApiTermination: false,
    subnetId: world.subnets[project],
    groupSet: items([{ groupId: rnd.pick(world.securityGroups[project]) }]),
  };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  const inst = addInstance(world, rnd, project, launchedName(rnd, project), { type: instanceType });
  emitWrite(ctx, call, { requestParameters, responseElements: runResponse(ctx, inst, imageId), resources: [instanceResource(inst.id)] });
  return true;
};

function runResponse(ctx: TrafficContext, inst: Instance, imageId: string): Record<string, unknown> {
  const { rnd } = ctx;
  return {
    reservationId: newResourceId(rnd, "r"),
    ownerId: ctx.accountId,
    instancesSet: items([
      { instanceId: inst.id, imageId, instanceState: pendingState(), instanceType: inst.type, privateIpAddress: `10.0.${rnd.int(255)}.${rnd.int(255)}` },
    ]),
  };
}

export const terminateInstances: WriteHandler = (ctx, call) => {
  const candidates = changeableInstances(ctx.world, call.project, (i) => LAUNCHED.test(i.name));
  if (candidates.length === 0) return terminateUnknownInstance(ctx, call);
  const target = ctx.rnd.pick(candidates);
  if (!call.allowed) return refuse(ctx, call, instancesSet([target.id]));
  emitWrite(ctx, call, {
    requestParameters: instancesSet([target.id]),
    responseElements: stateChanges([target.id], "shutting-down", target.state === "stopped" ? "stopped" : "running"),
  });
  terminateInstance(ctx.world, target);
  return true;
};

/** Nothing launched is left to terminate; now and then someone tries an id that does not exist. */
function terminateUnknownInstance(ctx: TrafficContext, call: WriteCall): boolean {
  if (!ctx.rnd.chance(0.2) || !call.allowed) return false;
  const ghost = newResourceId(ctx.rnd, "i");
  emitWrite(ctx, call, {
    requestParameters: instancesSet([ghost]),
    error: { code: "Client.InvalidInstanceID.NotFound", message: `The instance ID '${ghost}' does not exist` },
  });
  return true;
}

/** A new instance type for a stopped instance (EC2 only resizes stopped ones). */
export const modifyInstanceAttribute: WriteHandler = (ctx, call) => {
  const candidates = changeableInstances(ctx.world, call.project, (i) => i.state === "stopped");
  if (candidates.length === 0) return false;
  const target = ctx.rnd.pick(candidates);
  const requestParameters = { instanceId: target.id, instanceType: { value: ctx.rnd.pick(INSTANCE_TYPES) } };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  target.type = requestParameters.instanceType.value;
  emitWrite(ctx, call, { requestParameters, responseElements: { _return: true } });
  return true;
};

/** One tag on one live instance; protected instances get tagged too. */
export const createTags: WriteHandler = (ctx, call) => {
  const { rnd } = ctx;
  const candidates = liveInstances(ctx.world, call.project);
  if (candidates.length === 0) return false;
  const target = rnd.pick(candidates);
  const tag = rnd.pick([
    { key: "Name", value: target.name },
    { key: "owner", value: call.actor.userName },
    { key: "env", value: call.project },
    { key: "cost-center", value: rnd.pick(["platform", "web", "data"]) },
  ]);
  const requestParameters = { resourcesSet: items([{ resourceId: target.id }]), tagSet: items([tag]) };
  if (!call.allowed) return refuse(ctx, call, requestParameters, [instanceResource(target.id)]);
  emitWrite(ctx, call, { requestParameters, responseElements: { _return: true }, resources: [instanceResource(target.id)] });
  return true;
};
