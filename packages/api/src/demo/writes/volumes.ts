/** Writes that create, attach, detach, delete and snapshot volumes. */
import { snapshotResource, volumeResource } from "../ec2-shapes.ts";
import { addVolume, changeableInstances, findInstance, newResourceId, projectVolumes, ZONES } from "../world.ts";
import { emitWrite, refuse, type WriteHandler } from "./write.ts";

export const createVolume: WriteHandler = (ctx, call) => {
  const { rnd } = ctx;
  const size = rnd.pick([10, 50, 100, 200, 500]);
  const zone = rnd.pick(ZONES);
  const requestParameters = { size: String(size), zone, volumeType: rnd.pick(["gp2", "st2", "io2"]), encrypted: false };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  const vol = addVolume(ctx.world, rnd, call.project, size);
  emitWrite(ctx, call, {
    requestParameters,
    responseElements: { volumeId: vol.id, size: String(size), zone, status: "creating", createTime: call.at, volumeType: requestParameters.volumeType },
    resources: [volumeResource(vol.id)],
  });
  return true;
};

/** The project's first free volume, onto a running unprotected instance. */
export const attachVolume: WriteHandler = (ctx, call) => {
  const vol = projectVolumes(ctx.world, call.project, (v) => v.attachedTo === null)[0];
  const targets = changeableInstances(ctx.world, call.project, (i) => i.state === "running");
  if (!vol || targets.length === 0) return false;
  const target = ctx.rnd.pick(targets);
  const requestParameters = { volumeId: vol.id, instanceId: target.id, device: `/dev/sd${"fghij"[ctx.rnd.int(5)]}`, deleteOnTermination: false };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  vol.attachedTo = target.id;
  emitWrite(ctx, call, {
    requestParameters,
    responseElements: { volumeId: vol.id, instanceId: target.id, device: requestParameters.device, status: "attaching", attachTime: call.at },
  });
  return true;
};

/** The project's first attached volume of 50 GB or more that is not on a protected instance. */
export const detachVolume: WriteHandler = (ctx, call) => {
  const { world } = ctx;
  const vol = projectVolumes(world, call.project, (v) => v.attachedTo !== null && !findInstance(world, v.attachedTo)?.protected && v.size >= 50)[0];
  if (!vol) return false;
  const requestParameters = { volumeId: vol.id, force: false };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  emitWrite(ctx, call, { requestParameters, responseElements: { volumeId: vol.id, instanceId: vol.attachedTo, status: "detaching" } });
  vol.attachedTo = null;
  return true;
};

/** The project's first free volume. */
export const deleteVolume: WriteHandler = (ctx, call) => {
  const vol = projectVolumes(ctx.world, call.project, (v) => v.attachedTo === null)[0];
  if (!vol) return false;
  const requestParameters = { volumeId: vol.id };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  vol.deleted = true;
  emitWrite(ctx, call, { requestParameters, responseElements: { _return: true } });
  return true;
};

export const createSnapshot: WriteHandler = (ctx, call) => {
  const candidates = projectVolumes(ctx.world, call.project);
  if (candidates.length === 0) return false;
  const vol = ctx.rnd.pick(candidates);
  const requestParameters = { volumeId: vol.id, description: `backup ${new Date(call.at).toISOString().slice(0, 10)}` };
  if (!call.allowed) return refuse(ctx, call, requestParameters);
  const snapshotId = newResourceId(ctx.rnd, "snap");
  emitWrite(ctx, call, {
    requestParameters,
    responseElements: { snapshotId, volumeId: vol.id, status: "pending", startTime: call.at, volumeSize: String(vol.size), ownerId: ctx.accountId },
    resources: [snapshotResource(snapshotId)],
  });
  return true;
};
