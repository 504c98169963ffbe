/**
 * About a month of believable EC2-style traffic for the demo account, generated deterministically
 * from a seed and the clock. A fleet of instances, volumes and security groups changes state as
 * people, a deploy bot and the system user work on it; most calls only read (console pages load
 * Describe* calls), some fail. Two stories are planted for SPEC's use cases: the production
 * databases stopped a few days ago, and production instance i-0abc… terminated two weeks ago.
 */
import { type EventType, type IngestEvent, type Resource, type StoredEvent, toStoredEvent } from "@activity-log/core";
import { seededRandom, type Random } from "./random.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

export const DEMO_PROJECTS = ["default", "production", "staging"] as const;
type Project = (typeof DEMO_PROJECTS)[number];

/** The planted stories, exported so tests (and the README) can point at them. */
export const DEMO_STORY = {
  /** Terminated by carol two weeks before `now`, after bob's refused attempt. */
  terminatedInstance: "i-0abc4d2e9f1b3c5a7",
  terminatedBy: "carol",
  terminatedDaysAgo: 14,
  /** Stopped together by alice late one evening four days before `now`; started again next morning by admin. */
  stoppedDatabases: ["i-0db1a7c3e5f2b4d68", "i-0db2e8f4a6c1d3b57"],
  stoppedBy: "alice",
  stoppedDaysAgo: 4,
} as const;

export interface DemoTrafficOptions {
  accountId: string;
  now: Date;
  /** How many days back the traffic starts (kept inside the 30-day retention). */
  days?: number;
  seed?: number;
  /** Multiplies the volume of random traffic; 1 ≈ 30,000 events. */
  scale?: number;
  /** Access key ids that API-calling actors use (their keys exist in the account). */
  accessKeys: { admin: string; deployBotProduction: string; deployBotStaging: string };
}

type Instance = { id: string; name: string; project: Project; type: string; state: "running" | "stopped" | "terminated"; protected: boolean };
type Volume = { id: string; project: Project; size: number; attachedTo: string | null; deleted: boolean };

interface Actor {
  userName: string;
  kind: "human" | "bot" | "system";
  sourceIp: string;
  userAgent: string;
  /** Projects this actor works in; writes elsewhere are refused (UnauthorizedOperation). */
  projects: Project[];
  /** How often the actor tries to change something outside its projects. */
  strayWrites: number;
  accessKeyId: string | null;
}

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const BROWSER_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const AWS_CLI =
  "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off md/command#ec2.describe-instances";
const SDK_GO = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.173.0";
const INTERNAL = "k2cloud-internal/3.4 (monitoring)";
const EC2 = "ec2.amazonaws.com";
const ZONES = ["ru-msk-comp1p", "ru-msk-vol51", "ru-msk-vol52"];
const IMAGES = ["ami-0c1e4e3b5a7d9f021", "ami-0f6a2b8c4d1e3f579", "ami-03b7d9e1f5a2c4e68"];
const TYPES = ["m5.large", "m5.xlarge", "c5.large", "t3.medium", "r5.xlarge"];

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

type Write =
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

const WRITES: readonly (readonly [Write, number])[] = [
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

const instanceResource = (id: string): Resource => ({ type: "AWS::EC2::Instance", name: id });
const volumeResource = (id: string): Resource => ({ type: "AWS::EC2::Volume", name: id });
const items = <T>(list: T[]) => ({ items: list });
const instancesSet = (ids: string[]) => ({ instancesSet: items(ids.map((instanceId) => ({ instanceId }))) });
const STATE = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 } as const;
const state = (name: keyof typeof STATE) => ({ code: STATE[name], name });

/** One pending action at a moment; processed in time order so the fleet's state stays consistent. */
type Slot = { at: number; actor: Actor; act: (at: number) => void };

export function generateDemoTraffic(options: DemoTrafficOptions): StoredEvent[] {
  const { accountId, now, accessKeys } = options;
  const rnd = seededRandom(options.seed ?? 20261124);
  const scale = options.scale ?? 1;
  const end = now.getTime() - 2 * MINUTE;
  const start = now.getTime() - (options.days ?? 29) * DAY;
  const events: StoredEvent[] = [];

  // ---- the fleet ----
  const instances: Instance[] = [];
  const volumes: Volume[] = [];
  const newInstanceId = () => `i-0${rnd.hex(16)}`;
  const addInstance = (project: Project, name: string, opts: Partial<Instance> = {}) => {
    const inst: Instance = { id: opts.id ?? newInstanceId(), name, project, type: rnd.pick(TYPES), state: "running", protected: false, ...opts };
    instances.push(inst);
    volumes.push({ id: `vol-0${rnd.hex(16)}`, project, size: rnd.pick([20, 40, 80]), attachedTo: inst.id, deleted: false });
    return inst;
  };
  for (const n of ["web-1", "web-2", "web-3", "api-1", "api-2", "worker-1", "worker-2"]) addInstance("production", n);
  addInstance("production", "db-primary", { id: DEMO_STORY.stoppedDatabases[0], protected: true, type: "r5.2xlarge" });
  addInstance("production", "db-replica-1", { id: DEMO_STORY.stoppedDatabases[1], protected: true, type: "r5.2xlarge" });
  addInstance("production", "web-legacy-1", { id: DEMO_STORY.terminatedInstance, protected: true, type: "m4.large" });
  for (const n of ["web-stg-1", "api-stg-1", "db-stg", "load-test-1"]) addInstance("staging", n);
  for (const n of ["bastion", "dev-alice", "dev-bob", "ci-runner"]) addInstance("default", n);
  const groups: Record<Project, string[]> = {
    production: [`sg-0${rnd.hex(16)}`, `sg-0${rnd.hex(16)}`, `sg-0${rnd.hex(16)}`],
    staging: [`sg-0${rnd.hex(16)}`, `sg-0${rnd.hex(16)}`],
    default: [`sg-0${rnd.hex(16)}`],
  };
  const subnets: Record<Project, string> = { production: `subnet-0${rnd.hex(16)}`, staging: `subnet-0${rnd.hex(16)}`, default: `subnet-0${rnd.hex(16)}` };

  // ---- the people and machines ----
  const actors = {
    admin: {
      userName: "admin",
      kind: "human",
      sourceIp: "203.0.113.10",
      userAgent: BROWSER,
      projects: ["default", "production", "staging"],
      strayWrites: 0,
      accessKeyId: null,
    },
    alice: {
      userName: "alice",
      kind: "human",
      sourceIp: "198.51.100.23",
      userAgent: BROWSER_MAC,
      projects: ["production", "staging"],
      strayWrites: 0,
      accessKeyId: null,
    },
    bob: {
      userName: "bob",
      kind: "human",
      sourceIp: "198.51.100.77",
      userAgent: BROWSER,
      projects: ["staging", "default"],
      strayWrites: 0.15,
      accessKeyId: null,
    },
    carol: {
      userName: "carol",
      kind: "human",
      sourceIp: "203.0.113.54",
      userAgent: BROWSER,
      projects: ["production", "staging", "default"],
      strayWrites: 0,
      accessKeyId: null,
    },
    deployBotProduction: {
      userName: "deploy-bot",
      kind: "bot",
      sourceIp: "192.0.2.15",
      userAgent: SDK_GO,
      projects: ["production"],
      strayWrites: 0,
      accessKeyId: accessKeys.deployBotProduction,
    },
    deployBotStaging: {
      userName: "deploy-bot",
      kind: "bot",
      sourceIp: "192.0.2.15",
      userAgent: SDK_GO,
      projects: ["staging"],
      strayWrites: 0,
      accessKeyId: accessKeys.deployBotStaging,
    },
    system: {
      userName: "system",
      kind: "system",
      sourceIp: "10.10.0.5",
      userAgent: INTERNAL,
      projects: ["default", "production", "staging"],
      strayWrites: 0,
      accessKeyId: null,
    },
  } satisfies Record<string, Actor>;
  const humans: Actor[] = [actors.admin, actors.alice, actors.bob, actors.carol];

  // ---- emitting events ----
  const emit = (
    at: number,
    actor: Actor,
    project: Project,
    eventName: string,
    fields: {
      requestParameters?: Record<string, unknown> | null;
      responseElements?: Record<string, unknown> | null;
      resources?: Resource[];
      error?: { code: string; message: string };
      eventType?: EventType;
      eventSource?: string;
      additionalEventData?: Record<string, unknown>;
      accessKeyId?: string | null;
      userAgent?: string;
    } = {},
  ) => {
    if (at < start || at > end) return;
    const input: IngestEvent = {
      eventID: rnd.uuid(),
      // CloudTrail records whole seconds.
      eventTime: new Date(Math.floor(at / 1000) * 1000).toISOString(),
      eventName,
      eventType: fields.eventType ?? "AwsApiCall",
      eventSource: fields.eventSource ?? EC2,
      recipientAccountId: accountId,
      project,
      userName: actor.userName,
      accessKeyId: fields.accessKeyId !== undefined ? fields.accessKeyId : actor.accessKeyId,
      sourceIPAddress: actor.sourceIp,
      userAgent: fields.userAgent ?? actor.userAgent,
      requestID: rnd.uuid(),
      requestParameters: fields.requestParameters ?? null,
      responseElements: fields.error ? null : (fields.responseElements ?? null),
      errorCode: fields.error?.code ?? null,
      errorMessage: fields.error?.message ?? null,
      additionalEventData: fields.additionalEventData ?? null,
      resources: fields.resources ?? null,
      readOnly: null,
    };
    events.push(toStoredEvent(input, { newEventId: () => rnd.uuid(), newRequestId: () => rnd.uuid() }));
  };

  const live = (project: Project, pred: (i: Instance) => boolean = () => true) =>
    instances.filter((i) => i.project === project && i.state !== "terminated" && pred(i));

  const read = (at: number, actor: Actor, project: Project) => {
    const name = rnd.weighted(READS);
    let requestParameters: Record<string, unknown> = {};
    switch (name) {
      case "DescribeInstances": {
        const one = rnd.chance(0.3) ? live(project) : [];
        requestParameters = one.length ? instancesSet([rnd.pick(one).id]) : { instancesSet: {}, filterSet: {} };
        break;
      }
      case "DescribeInstanceStatus":
        requestParameters = { instancesSet: {}, filterSet: {}, includeAllInstances: true };
        break;
      case "DescribeVolumes":
        requestParameters = { volumeSet: {}, filterSet: {} };
        break;
      case "DescribeSecurityGroups":
        requestParameters = { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} };
        break;
      case "DescribeImages":
        requestParameters = { executableBySet: {}, ownersSet: items([{ owner: "self" }]), filterSet: {} };
        break;
      case "DescribeSnapshots":
        requestParameters = { snapshotSet: {}, ownersSet: items([{ owner: "self" }]), filterSet: {} };
        break;
      default:
        requestParameters = { filterSet: {} };
    }
    emit(at, actor, project, name, { requestParameters });
  };

  /** A write outside the actor's projects: refused, and recorded as such. */
  const refuse = (at: number, actor: Actor, project: Project, eventName: string, requestParameters: Record<string, unknown>, resources: Resource[]) => {
    emit(at, actor, project, eventName, {
      requestParameters,
      resources,
      error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
    });
    return true;
  };

  /** One change to the fleet, chosen among those the current state allows. */
  const write = (at: number, actor: Actor, project: Project) => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const kind = rnd.weighted(WRITES);
      if (doWrite(at, actor, project, kind)) return;
    }
    read(at, actor, project);
  };

  const doWrite = (at: number, actor: Actor, project: Project, kind: Write): boolean => {
    const mutable = (pred: (i: Instance) => boolean) => live(project, (i) => !i.protected && pred(i));
    const allowed = actor.projects.includes(project);
    switch (kind) {
      case "StopInstances":
      case "StartInstances":
      case "RebootInstances": {
        const wanted = kind === "StartInstances" ? "stopped" : "running";
        const candidates = mutable((i) => i.state === wanted);
        if (candidates.length === 0) {
          // Occasionally someone tries anyway: the API says why not.
          const wrong = mutable(() => true);
          if (wrong.length === 0 || !rnd.chance(0.3) || !allowed) return false;
          const target = rnd.pick(wrong);
          emit(at, actor, project, kind, {
            requestParameters: instancesSet([target.id]),
            error: {
              code: "Client.IncorrectInstanceState",
              message: `The instance '${target.id}' is not in a state from which it can be ${kind === "StartInstances" ? "started" : kind === "StopInstances" ? "stopped" : "rebooted"}.`,
            },
          });
          return true;
        }
        const count =
          kind === "RebootInstances"
            ? 1
            : rnd.weighted([
                [1, 6],
                [2, 3],
                [3, 1],
              ] as const);
        const targets = [...new Set(Array.from({ length: count }, () => rnd.pick(candidates)))];
        const ids = targets.map((t) => t.id);
        if (!allowed) return refuse(at, actor, project, kind, instancesSet(ids), []);
        if (kind === "RebootInstances") {
          emit(at, actor, project, kind, { requestParameters: instancesSet(ids), responseElements: { _return: true } });
          return true;
        }
        const [from, to, next]: ["running" | "stopped", "stopping" | "pending", "stopped" | "running"] =
          kind === "StopInstances" ? ["running", "stopping", "stopped"] : ["stopped", "pending", "running"];
        emit(at, actor, project, kind, {
          requestParameters: { ...instancesSet(ids), ...(kind === "StopInstances" ? { force: false } : {}) },
          responseElements: { instancesSet: items(ids.map((instanceId) => ({ instanceId, currentState: state(to), previousState: state(from) }))) },
        });
        for (const t of targets) t.state = next;
        return true;
      }
      case "RunInstances": {
        if (project === "production" && actor.kind === "human") return false; // production is changed by the deploy bot
        const imageId = rnd.pick(IMAGES);
        const instanceType = rnd.pick(TYPES);
        const requestParameters = {
          instancesSet: items([{ imageId, minCount: 1, maxCount: 1, keyName: `${actor.userName}-key` }]),
          instanceType,
          blockDeviceMapping: {},
          availabilityZone: rnd.pick(ZONES),
          monitoring: { enabled: false },
          disableApiTermination: false,
          subnetId: subnets[project],
          groupSet: items([{ groupId: rnd.pick(groups[project]) }]),
        };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        const inst = addInstance(project, `${project === "staging" ? "stg" : "tmp"}-${rnd.hex(4)}`, { type: instanceType });
        emit(at, actor, project, kind, {
          requestParameters,
          responseElements: {
            reservationId: `r-0${rnd.hex(16)}`,
            ownerId: accountId,
            instancesSet: items([
              { instanceId: inst.id, imageId, instanceState: state("pending"), instanceType, privateIpAddress: `10.0.${rnd.int(255)}.${rnd.int(255)}` },
            ]),
          },
          resources: [instanceResource(inst.id)],
        });
        return true;
      }
      case "TerminateInstances": {
        // Only what was launched during the month goes away at random; the original fleet stays.
        const candidates = mutable((i) => /^(stg|tmp)-/.test(i.name));
        if (candidates.length === 0) {
          if (!rnd.chance(0.2) || !allowed) return false;
          const ghost = `i-0${rnd.hex(16)}`;
          emit(at, actor, project, kind, {
            requestParameters: instancesSet([ghost]),
            error: { code: "Client.InvalidInstanceID.NotFound", message: `The instance ID '${ghost}' does not exist` },
          });
          return true;
        }
        const target = rnd.pick(candidates);
        if (!allowed) return refuse(at, actor, project, kind, instancesSet([target.id]), []);
        emit(at, actor, project, kind, {
          requestParameters: instancesSet([target.id]),
          responseElements: {
            instancesSet: items([
              { instanceId: target.id, currentState: state("shutting-down"), previousState: state(target.state === "stopped" ? "stopped" : "running") },
            ]),
          },
        });
        target.state = "terminated";
        for (const v of volumes) if (v.attachedTo === target.id) v.deleted = true;
        return true;
      }
      case "CreateVolume": {
        const size = rnd.pick([10, 50, 100, 200, 500]);
        const zone = rnd.pick(ZONES);
        const requestParameters = { size: String(size), zone, volumeType: rnd.pick(["gp2", "st2", "io2"]), encrypted: false };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        const vol: Volume = { id: `vol-0${rnd.hex(16)}`, project, size, attachedTo: null, deleted: false };
        volumes.push(vol);
        emit(at, actor, project, kind, {
          requestParameters,
          responseElements: { volumeId: vol.id, size: String(size), zone, status: "creating", createTime: at, volumeType: requestParameters.volumeType },
          resources: [volumeResource(vol.id)],
        });
        return true;
      }
      case "AttachVolume": {
        const vol = volumes.find((v) => v.project === project && !v.deleted && v.attachedTo === null);
        const targets = live(project, (i) => i.state === "running" && !i.protected);
        if (!vol || targets.length === 0) return false;
        const target = rnd.pick(targets);
        const requestParameters = { volumeId: vol.id, instanceId: target.id, device: `/dev/sd${"fghij"[rnd.int(5)]}`, deleteOnTermination: false };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        vol.attachedTo = target.id;
        emit(at, actor, project, kind, {
          requestParameters,
          responseElements: { volumeId: vol.id, instanceId: target.id, device: requestParameters.device, status: "attaching", attachTime: at },
        });
        return true;
      }
      case "DetachVolume": {
        const vol = volumes.find(
          (v) => v.project === project && !v.deleted && v.attachedTo !== null && !instances.find((i) => i.id === v.attachedTo)?.protected && v.size >= 50,
        );
        if (!vol) return false;
        const requestParameters = { volumeId: vol.id, force: false };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        emit(at, actor, project, kind, { requestParameters, responseElements: { volumeId: vol.id, instanceId: vol.attachedTo, status: "detaching" } });
        vol.attachedTo = null;
        return true;
      }
      case "DeleteVolume": {
        const vol = volumes.find((v) => v.project === project && !v.deleted && v.attachedTo === null);
        if (!vol) return false;
        const requestParameters = { volumeId: vol.id };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        vol.deleted = true;
        emit(at, actor, project, kind, { requestParameters, responseElements: { _return: true } });
        return true;
      }
      case "CreateSnapshot": {
        const candidates = volumes.filter((v) => v.project === project && !v.deleted);
        if (candidates.length === 0) return false;
        const vol = rnd.pick(candidates);
        const requestParameters = { volumeId: vol.id, description: `backup ${new Date(at).toISOString().slice(0, 10)}` };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        const snapshotId = `snap-0${rnd.hex(16)}`;
        emit(at, actor, project, kind, {
          requestParameters,
          responseElements: { snapshotId, volumeId: vol.id, status: "pending", startTime: at, volumeSize: String(vol.size), ownerId: accountId },
          resources: [{ type: "AWS::EC2::Snapshot", name: snapshotId }],
        });
        return true;
      }
      case "AuthorizeSecurityGroupIngress":
      case "RevokeSecurityGroupIngress": {
        const port = rnd.pick([22, 80, 443, 5432, 6379, 8080]);
        const cidrIp = port === 22 ? `${actor.sourceIp}/32` : rnd.pick(["0.0.0.0/0", "10.0.0.0/16", "192.0.2.0/24"]);
        const requestParameters = {
          groupId: rnd.pick(groups[project]),
          ipPermissions: items([
            { ipProtocol: "tcp", fromPort: port, toPort: port, groups: {}, ipRanges: items([{ cidrIp }]), ipv6Ranges: {}, prefixListIds: {} },
          ]),
        };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        emit(at, actor, project, kind, { requestParameters, responseElements: { _return: true } });
        return true;
      }
      case "CreateTags": {
        const candidates = live(project);
        if (candidates.length === 0) return false;
        const target = rnd.pick(candidates);
        const tag = rnd.pick([
          { key: "Name", value: target.name },
          { key: "owner", value: actor.userName },
          { key: "env", value: project },
          { key: "cost-center", value: rnd.pick(["platform", "web", "data"]) },
        ]);
        const requestParameters = { resourcesSet: items([{ resourceId: target.id }]), tagSet: items([tag]) };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, [instanceResource(target.id)]);
        emit(at, actor, project, kind, { requestParameters, responseElements: { _return: true }, resources: [instanceResource(target.id)] });
        return true;
      }
      case "ModifyInstanceAttribute": {
        const candidates = mutable((i) => i.state === "stopped");
        if (candidates.length === 0) return false;
        const target = rnd.pick(candidates);
        const requestParameters = { instanceId: target.id, instanceType: { value: rnd.pick(TYPES) } };
        if (!allowed) return refuse(at, actor, project, kind, requestParameters, []);
        target.type = requestParameters.instanceType.value;
        emit(at, actor, project, kind, { requestParameters, responseElements: { _return: true } });
        return true;
      }
    }
  };

  // ---- planning the month ----
  const slots: Slot[] = [];
  const plan = (at: number, actor: Actor, act: (at: number) => void) => slots.push({ at, actor, act });
  const firstDay = Math.floor(start / DAY) * DAY;

  for (let day = firstDay; day <= end; day += DAY) {
    const weekday = new Date(day).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;

    // People: console sessions in working hours (06–17 UTC, Moscow 09–20), rarely at weekends.
    for (const actor of humans) {
      const sessions = weekend ? rnd.poisson(0.3 * scale) : rnd.poisson(4.5 * scale);
      for (let s = 0; s < sessions; s++) {
        const begin = day + 6 * HOUR + rnd.int(11 * HOUR);
        planSession(begin, actor);
      }
    }
    // The admin's scripts: the AWS CLI with the admin's key, a few times a working day.
    if (!weekend) {
      for (let k = rnd.poisson(3 * scale); k > 0; k--) {
        const at = day + 7 * HOUR + rnd.int(10 * HOUR);
        const cliAdmin: Actor = { ...actors.admin, userAgent: AWS_CLI, accessKeyId: accessKeys.admin };
        plan(at, cliAdmin, (t) => read(t, cliAdmin, "default"));
      }
    }
    // The system user polls instance and volume status every 15 minutes, project by project.
    for (let t = day + rnd.int(15 * MINUTE); t < day + DAY; t += 15 * MINUTE) {
      const project = DEMO_PROJECTS[Math.floor((t - day) / (15 * MINUTE)) % 3]!;
      plan(t, actors.system, (at) =>
        emit(at, actors.system, project, rnd.chance(0.7) ? "DescribeInstanceStatus" : "DescribeVolumes", { requestParameters: { filterSet: {} } }),
      );
    }
    // The deploy bot: polls hourly, deploys on working days (new instance in, old tmp instance out).
    for (const bot of [actors.deployBotProduction, actors.deployBotStaging]) {
      const project = bot.projects[0]!;
      for (let h = 0; h < 24; h++) {
        plan(day + h * HOUR + rnd.int(HOUR), bot, (at) => {
          // A burst sometimes trips the rate limit.
          if (rnd.chance(0.03))
            emit(at, bot, project, "DescribeInstances", {
              requestParameters: { filterSet: {} },
              error: { code: "Client.RequestLimitExceeded", message: "Request limit exceeded." },
            });
          else read(at, bot, project);
        });
      }
      const deploys = weekend ? 0 : rnd.poisson(1.5 * scale);
      for (let d = 0; d < deploys; d++) {
        const at = day + 8 * HOUR + rnd.int(9 * HOUR);
        plan(at, bot, (t) => {
          read(t, bot, project);
          doWrite(t + 2_000, bot, project, "RunInstances");
          doWrite(t + 4_000, bot, project, "CreateTags");
          if (rnd.chance(0.7)) doWrite(t + 5 * MINUTE, bot, project, "TerminateInstances");
        });
      }
    }
  }

  function planSession(begin: number, actor: Actor) {
    // Sign-in, sometimes after a mistyped password.
    if (rnd.chance(0.05)) {
      plan(begin - 40_000, actor, (at) =>
        emit(at, actor, "default", "ConsoleLogin", {
          eventType: "AwsConsoleSignIn",
          eventSource: "signin.amazonaws.com",
          responseElements: { ConsoleLogin: "Failure" },
          additionalEventData: { MFAUsed: "No", LoginTo: "https://console.k2.cloud/" },
          error: { code: "UnauthorizedException", message: "Failed authentication" },
          accessKeyId: null,
        }),
      );
    }
    plan(begin, actor, (at) =>
      emit(at, actor, actor.projects[0]!, "ConsoleLogin", {
        eventType: "AwsConsoleSignIn",
        eventSource: "signin.amazonaws.com",
        responseElements: { ConsoleLogin: "Success" },
        additionalEventData: { MFAUsed: "No", LoginTo: "https://console.k2.cloud/" },
      }),
    );
    // Pages: each loads a few Describe calls; now and then the person changes something.
    let t = begin + 5_000;
    const pages = 10 + rnd.int(31);
    for (let p = 0; p < pages; p++) {
      const project = rnd.chance(actor.strayWrites) ? "production" : rnd.pick(actor.projects);
      const calls = 1 + rnd.int(2);
      for (let c = 0; c < calls; c++) plan(t + c * 150, actor, (at) => read(at, actor, project));
      if (rnd.chance(0.45)) plan(t + 20_000 + rnd.int(60_000), actor, (at) => write(at, actor, project));
      t += 30_000 + rnd.int(4 * MINUTE);
    }
    if (rnd.chance(0.6)) {
      plan(t + 10_000, actor, (at) =>
        emit(at, actor, actor.projects[0]!, "ConsoleLogout", {
          eventType: "AwsConsoleSignOut",
          eventSource: "signin.amazonaws.com",
          responseElements: { ConsoleLogout: "Success" },
        }),
      );
    } else {
      plan(t + 30 * MINUTE, actor, (at) =>
        emit(at, actor, actor.projects[0]!, "ConsoleLogout", { eventType: "AwsConsoleAutoSignOut", eventSource: "signin.amazonaws.com" }),
      );
    }
  }

  planStories();

  function planStories() {
    const dayOf = (daysAgo: number) => Math.floor((now.getTime() - daysAgo * DAY) / DAY) * DAY;
    const legacy = instances.find((i) => i.id === DEMO_STORY.terminatedInstance)!;
    const t0 = dayOf(DEMO_STORY.terminatedDaysAgo);
    // Bob tries first and is refused; carol, who runs production, terminates it that afternoon.
    plan(t0 + 13 * HOUR + 5 * MINUTE, actors.bob, (at) => {
      read(at - 20_000, actors.bob, "production");
      emit(at, actors.bob, "production", "DescribeInstances", { requestParameters: instancesSet([legacy.id]) });
      refuse(at + 30_000, actors.bob, "production", "TerminateInstances", instancesSet([legacy.id]), []);
    });
    plan(t0 + 15 * HOUR + 40 * MINUTE, actors.carol, (at) => {
      emit(at, actors.carol, "production", "ConsoleLogin", {
        eventType: "AwsConsoleSignIn",
        eventSource: "signin.amazonaws.com",
        responseElements: { ConsoleLogin: "Success" },
        additionalEventData: { MFAUsed: "No", LoginTo: "https://console.k2.cloud/" },
      });
      emit(at + 60_000, actors.carol, "production", "DescribeInstances", { requestParameters: instancesSet([legacy.id]) });
      emit(at + 130_000, actors.carol, "production", "TerminateInstances", {
        requestParameters: instancesSet([legacy.id]),
        responseElements: { instancesSet: items([{ instanceId: legacy.id, currentState: state("shutting-down"), previousState: state("running") }]) },
      });
      legacy.state = "terminated";
    });

    const t1 = dayOf(DEMO_STORY.stoppedDaysAgo);
    const dbs = DEMO_STORY.stoppedDatabases.map((id) => instances.find((i) => i.id === id)!);
    const ids = dbs.map((d) => d.id);
    plan(t1 + 21 * HOUR + 17 * MINUTE, actors.alice, (at) => {
      emit(at, actors.alice, "production", "DescribeInstances", {
        requestParameters: { instancesSet: {}, filterSet: items([{ name: "tag:Name", valueSet: items([{ value: "db-*" }]) }]) },
      });
      emit(at + 45_000, actors.alice, "production", "StopInstances", {
        requestParameters: { ...instancesSet(ids), force: false },
        responseElements: { instancesSet: items(ids.map((instanceId) => ({ instanceId, currentState: state("stopping"), previousState: state("running") }))) },
      });
      for (const d of dbs) d.state = "stopped";
    });
    plan(t1 + DAY + 7 * HOUR + 2 * MINUTE, actors.admin, (at) => {
      emit(at, actors.admin, "production", "StartInstances", {
        requestParameters: instancesSet(ids),
        responseElements: { instancesSet: items(ids.map((instanceId) => ({ instanceId, currentState: state("pending"), previousState: state("stopped") }))) },
      });
      for (const d of dbs) d.state = "running";
    });
  }

  slots.sort((a, b) => a.at - b.at);
  for (const slot of slots) slot.act(slot.at);
  return events;
}
