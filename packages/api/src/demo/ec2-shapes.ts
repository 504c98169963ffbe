/** The shapes of EC2 request and response payloads as CloudTrail records them. */
import type { Resource } from "@activity-log/core";

const STATE_CODES = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 } as const;
export type StateName = keyof typeof STATE_CODES;

/** EC2's XML lists come through as `{ items: [...] }`. */
export const items = <T>(list: T[]) => ({ items: list });

export const instancesSet = (ids: string[]) => ({ instancesSet: items(ids.map((instanceId) => ({ instanceId }))) });

const instanceState = (name: StateName) => ({ code: STATE_CODES[name], name });

/** The response of Stop/Start/TerminateInstances: each instance's state before and after the call. */
export const stateChanges = (ids: string[], current: StateName, previous: StateName) => ({
  instancesSet: items(ids.map((instanceId) => ({ instanceId, currentState: instanceState(current), previousState: instanceState(previous) }))),
});

/** RunInstances reports its new instance as pending. */
export const pendingState = () => instanceState("pending");

export const instanceResource = (id: string): Resource => ({ type: "AWS::EC2::Instance", name: id });
export const volumeResource = (id: string): Resource => ({ type: "AWS::EC2::Volume", name: id });
export const snapshotResource = (id: string): Resource => ({ type: "AWS::EC2::Snapshot", name: id });
