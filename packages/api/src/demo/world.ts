/**
 * The fleet the demo traffic acts on: instances, their volumes, security groups and subnets, per
 * project. It is created from the seeded RNG and then changed in place as the traffic runs, so later
 * calls only touch what exists in the state it is in.
 */
import type { Random } from "./random.ts";

export const DEMO_PROJECTS = ["default", "production", "staging"] as const;
export type Project = (typeof DEMO_PROJECTS)[number];

export type InstanceState = "running" | "stopped" | "terminated";
export type Instance = { id: string; name: string; project: Project; type: string; state: InstanceState; protected: boolean };
export type Volume = { id: string; project: Project; size: number; attachedTo: string | null; deleted: boolean };

/** What the traffic creates and changes: instances and volumes. */
export interface Fleet {
  instances: Instance[];
  volumes: Volume[];
}

export interface World extends Fleet {
  securityGroups: Record<Project, string[]>;
  subnets: Record<Project, string>;
}

/** Instances the planted stories (stories.ts) are about: fixed ids, so tests and the README can name them. */
export const STORY_INSTANCES = {
  dbPrimary: "i-0db1a7c3e5f2b4d68",
  dbReplica: "i-0db2e8f4a6c1d3b57",
  webLegacy: "i-0abc4d2e9f1b3c5a7",
} as const;

export const INSTANCE_TYPES = ["m5.large", "m5.xlarge", "c5.large", "t3.medium", "r5.xlarge"];
export const IMAGES = ["ami-0c1e4e3b5a7d9f021", "ami-0f6a2b8c4d1e3f579", "ami-03b7d9e1f5a2c4e68"];
export const ZONES = ["ru-msk-comp1p", "ru-msk-vol51", "ru-msk-vol52"];

/** An EC2-style id: `i-0…`, `vol-0…`, `sg-0…` and so on, with 16 random hex digits. */
export const newResourceId = (rnd: Random, prefix: string) => `${prefix}-0${rnd.hex(16)}`;

/** The world at the start of the month. The order of creation is part of the seeded output. */
export function createWorld(rnd: Random): World {
  const fleet: Fleet = { instances: [], volumes: [] };
  addInitialInstances(fleet, rnd);
  const securityGroups = {
    production: [newResourceId(rnd, "sg"), newResourceId(rnd, "sg"), newResourceId(rnd, "sg")],
    staging: [newResourceId(rnd, "sg"), newResourceId(rnd, "sg")],
    default: [newResourceId(rnd, "sg")],
  };
  const subnets = { production: newResourceId(rnd, "subnet"), staging: newResourceId(rnd, "subnet"), default: newResourceId(rnd, "subnet") };
  return { ...fleet, securityGroups, subnets };
}

function addInitialInstances(fleet: Fleet, rnd: Random): void {
  for (const name of ["web-1", "web-2", "web-3", "api-1", "api-2", "worker-1", "worker-2"]) addInstance(fleet, rnd, "production", name);
  addInstance(fleet, rnd, "production", "db-primary", { id: STORY_INSTANCES.dbPrimary, protected: true, type: "r5.2xlarge" });
  addInstance(fleet, rnd, "production", "db-replica-1", { id: STORY_INSTANCES.dbReplica, protected: true, type: "r5.2xlarge" });
  addInstance(fleet, rnd, "production", "web-legacy-1", { id: STORY_INSTANCES.webLegacy, protected: true, type: "m4.large" });
  for (const name of ["web-stg-1", "api-stg-1", "db-stg", "load-test-1"]) addInstance(fleet, rnd, "staging", name);
  for (const name of ["bastion", "dev-alice", "dev-bob", "ci-runner"]) addInstance(fleet, rnd, "default", name);
}

/**
 * A running instance with its root volume. `opts` overrides the defaults; the type is drawn even when
 * `opts` sets one, so the RNG moves the same way for every instance.
 */
export function addInstance(fleet: Fleet, rnd: Random, project: Project, name: string, opts: Partial<Instance> = {}): Instance {
  const inst: Instance = {
    id: opts.id ?? newResourceId(rnd, "i"),
    name,
    project,
    type: rnd.pick(INSTANCE_TYPES),
    state: "running",
    protected: false,
    ...opts,
  };
  fleet.instances.push(inst);
  fleet.volumes.push({ id: newResourceId(rnd, "vol"), project, size: rnd.pick([20, 40, 80]), attachedTo: inst.id, deleted: false });
  return inst;
}

/** A volume that is not attached to anything yet. */
export function addVolume(fleet: Fleet, rnd: Random, project: Project, size: number): Volume {
  const vol: Volume = { id: newResourceId(rnd, "vol"), project, size, attachedTo: null, deleted: false };
  fleet.volumes.push(vol);
  return vol;
}

export const findInstance = (fleet: Fleet, id: string) => fleet.instances.find((i) => i.id === id);

/** A project's instances that are not terminated (and match `pred`), in creation order. */
export const liveInstances = (fleet: Fleet, project: Project, pred: (i: Instance) => boolean = () => true) =>
  fleet.instances.filter((i) => i.project === project && i.state !== "terminated" && pred(i));

/** Live instances random traffic may change: the protected ones are left to the planted stories. */
export const changeableInstances = (fleet: Fleet, project: Project, pred: (i: Instance) => boolean) =>
  liveInstances(fleet, project, (i) => !i.protected && pred(i));

/** A project's volumes that are not deleted (and match `pred`), in creation order. */
export const projectVolumes = (fleet: Fleet, project: Project, pred: (v: Volume) => boolean = () => true) =>
  fleet.volumes.filter((v) => v.project === project && !v.deleted && pred(v));

export function terminateInstance(fleet: Fleet, inst: Instance): void {
  inst.state = "terminated";
  // Whatever is attached to it goes with it, so no later call picks a volume of a terminated instance.
  for (const v of fleet.volumes) if (v.attachedTo === inst.id) v.deleted = true;
}
