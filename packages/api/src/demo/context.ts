/**
 * What every part of the generator shares while it plans and runs the month: the seeded RNG, the
 * time window, the world, the actors, the actions planned and the events recorded so far. One
 * context per call of generateDemoTraffic, so nothing is kept between calls.
 */
import { type EventType, type IngestEvent, type Resource, type StoredEvent, toStoredEvent } from "@activity-log/core";
import type { Actor, Actors } from "./actors.ts";
import type { Random } from "./random.ts";
import type { Project, World } from "./world.ts";

/** One pending action at a moment; run in time order so the world's state stays consistent. */
type Slot = { at: number; act: (at: number) => void };

export interface TrafficContext {
  readonly rnd: Random;
  readonly accountId: string;
  /** Events outside [start, end] are not recorded (the traffic ends two minutes before `now`). */
  readonly start: number;
  readonly end: number;
  readonly world: World;
  readonly actors: Actors;
  readonly slots: Slot[];
  readonly events: StoredEvent[];
}

/** What a call records beyond who, where and what; defaults make an ordinary EC2 API call. */
export interface EventFields {
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  resources?: Resource[];
  error?: { code: string; message: string };
  eventType?: EventType;
  eventSource?: string;
  additionalEventData?: Record<string, unknown>;
  accessKeyId?: string | null;
  userAgent?: string;
}

const EC2 = "ec2.amazonaws.com";

/** Queues `act` to run at `at`; slots at the same moment run in the order they were planned. */
export function plan(ctx: TrafficContext, at: number, act: (at: number) => void): void {
  ctx.slots.push({ at, act });
}

export function runSlotsInTimeOrder(ctx: TrafficContext): void {
  ctx.slots.sort((a, b) => a.at - b.at);
  for (const slot of ctx.slots) slot.act(slot.at);
}

/** Records one event as the ingest path would store it, if `at` is inside the window. */
export function emit(ctx: TrafficContext, at: number, actor: Actor, project: Project, eventName: string, fields: EventFields = {}): void {
  // Checked before drawing ids: events outside the window take nothing from the RNG.
  if (at < ctx.start || at > ctx.end) return;
  const { rnd } = ctx;
  const input: IngestEvent = {
    eventID: rnd.uuid(),
    // CloudTrail records whole seconds.
    eventTime: new Date(Math.floor(at / 1000) * 1000).toISOString(),
    eventName,
    eventType: fields.eventType ?? "AwsApiCall",
    eventSource: fields.eventSource ?? EC2,
    recipientAccountId: ctx.accountId,
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
  ctx.events.push(toStoredEvent(input, { newEventId: () => rnd.uuid(), newRequestId: () => rnd.uuid() }));
}
