/** The writes random traffic makes: how often each comes up, the handler for each, and the choice of one. */
import type { Actor } from "../actors.ts";
import type { TrafficContext } from "../context.ts";
import { read } from "../reads.ts";
import type { Project } from "../world.ts";
import { createTags, modifyInstanceAttribute, rebootInstances, runInstances, startInstances, stopInstances, terminateInstances } from "./instances.ts";
import { changeIngress } from "./security-groups.ts";
import { attachVolume, createSnapshot, createVolume, deleteVolume, detachVolume } from "./volumes.ts";
import type { WriteHandler, WriteKind } from "./write.ts";

/** How often each write comes up; the order is part of the seeded output. */
const WRITE_WEIGHTS: readonly (readonly [WriteKind, number])[] = [
  ["StopInstances", 10],
  ["StartInstances", 10],
  ["RebootInstances", 5],
  ["RunInstances", 6],
  ["TerminateInstances", 4],
  ["CreateVolume", 5],
  ["AttachVolume", 5],
  ["DetachVolume", 3],
  ["DeleteVolume", 2],
  ["CreateSnapshot", 5],
  ["AuthorizeSecurityGroupIngress", 5],
  ["RevokeSecurityGroupIngress", 2],
  ["CreateTags", 8],
  ["ModifyInstanceAttribute", 3],
];

const WRITE_HANDLERS: Record<WriteKind, WriteHandler> = {
  StopInstances: stopInstances,
  StartInstances: startInstances,
  RebootInstances: rebootInstances,
  RunInstances: runInstances,
  TerminateInstances: terminateInstances,
  CreateVolume: createVolume,
  AttachVolume: attachVolume,
  DetachVolume: detachVolume,
  DeleteVolume: deleteVolume,
  CreateSnapshot: createSnapshot,
  AuthorizeSecurityGroupIngress: changeIngress,
  RevokeSecurityGroupIngress: changeIngress,
  CreateTags: createTags,
  ModifyInstanceAttribute: modifyInstanceAttribute,
};

/** Tries one kind of write; false (nothing recorded) when the world offers nothing to apply it to. */
export function attemptWrite(ctx: TrafficContext, at: number, actor: Actor, project: Project, kind: WriteKind): boolean {
  return WRITE_HANDLERS[kind](ctx, { at, actor, project, kind, allowed: actor.projects.includes(project) });
}

/** One change to the fleet, chosen among those the current state allows; a read when six draws find none. */
export function writeSomething(ctx: TrafficContext, at: number, actor: Actor, project: Project): void {
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attemptWrite(ctx, at, actor, project, ctx.rnd.weighted(WRITE_WEIGHTS))) return;
  }
  read(ctx, at, actor, project);
}
