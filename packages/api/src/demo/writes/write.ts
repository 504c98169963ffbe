/** What a write handler gets and returns, and how a write is recorded or refused. */
import type { Resource } from "@activity-log/core";
import type { Actor } from "../actors.ts";
import { emit, type EventFields, type TrafficContext } from "../context.ts";
import type { Project } from "../world.ts";

export type WriteKind =
  | "StopInstances"
  | "StartInstances"
  | "RebootInstances"
  | "RunInstances"
  | "TerminateInstances"
  | "CreateVolume"
  | "AttachVolume"
  | "DetachVolume"
  | "DeleteVolume"
  | "CreateSnapshot"
  | "AuthorizeSecurityGroupIngress"
  | "RevokeSecurityGroupIngress"
  | "CreateTags"
  | "ModifyInstanceAttribute";

/** One attempted change: who tries what, where and when. */
export interface WriteCall {
  at: number;
  actor: Actor;
  project: Project;
  kind: WriteKind;
  /** Whether the actor works in the project; if not, the call is refused and changes nothing. */
  allowed: boolean;
}

/**
 * Makes the change if the world allows it, and records the event (success, refusal or API error).
 * Returns false, having recorded nothing, when there is nothing to apply it to.
 */
export type WriteHandler = (ctx: TrafficContext, call: WriteCall) => boolean;

export function emitWrite(ctx: TrafficContext, call: WriteCall, fields: EventFields): void {
  emit(ctx, call.at, call.actor, call.project, call.kind, fields);
}

/** A write outside the actor's projects: refused, and recorded as such. Returns true (a call was recorded). */
export function refuse(ctx: TrafficContext, call: WriteCall, requestParameters: Record<string, unknown>, resources: Resource[] = []): true {
  emitWrite(ctx, call, {
    requestParameters,
    resources,
    error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
  });
  return true;
}
