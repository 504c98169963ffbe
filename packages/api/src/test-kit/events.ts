import { type IngestEvent, type IngestEventInput, searchTextOf, type StoredEvent, toStoredEvent } from "@activity-log/core";
import type { Database } from "../db/client.ts";
import { insertEvents } from "../db/events.ts";
import { T0 } from "./deps.ts";
import { testAccountId } from "./fixtures.ts";

let counter = 0;
/** A number of this process and a random tail: ids that never repeat across tests or runs. */
const unique = () => ({ n: ++counter, id: `${String(counter).padStart(6, "0")}-${Math.random().toString(36).slice(2, 8)}` });

/** A stored event as ingest would store it: a write by alice in `default` at `at` (a Date, an ISO string or epoch ms), with `over` on top. */
export function testEvent(accountId: string, at: Date | string | number, over: Partial<StoredEvent> = {}): StoredEvent {
  const { n, id } = unique();
  const base = {
    eventId: `ev-${id}`,
    accountId,
    project: "default",
    eventTime: at instanceof Date ? at : new Date(at),
    eventName: "RunInstances",
    eventType: "AwsApiCall" as const,
    eventSource: "ec2.amazonaws.com",
    readOnly: false,
    userName: "alice",
    accessKeyId: null,
    sourceIp: "10.0.0.1",
    userAgent: "aws-cli/2",
    requestId: `req-${n}`,
    errorCode: null,
    errorMessage: null,
    requestParameters: { instanceId: `i-${n}` },
    responseElements: null,
    additionalEventData: null,
    resources: [],
    resourceIds: [],
    ...over,
  };
  return { ...base, searchText: searchTextOf(base) };
}

/**
 * One event as other services send it to the ingest API (`{"events": [...]}`): RunInstances on
 * ec2.amazonaws.com by alice in acme's `default` project at T0, with `over` on top — which may be
 * anything, so tests can send what ingest must refuse.
 */
export function testIngestEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventID: `in-${unique().id}`,
    eventTime: T0.toISOString(),
    eventName: "RunInstances",
    eventSource: "ec2.amazonaws.com",
    recipientAccountId: testAccountId("acme"),
    project: "default",
    userName: "alice",
    ...over,
  };
}

/**
 * The stored event ingest makes of testIngestEvent(over) (core's toStoredEvent: ReadOnly by the
 * core rule, resources found in the request parameters, the search text).
 */
export function testIngestedEvent(over: Partial<IngestEventInput> = {}): StoredEvent {
  return toStoredEvent(testIngestEvent(over) as IngestEvent, { newEventId: () => `gen-${unique().id}`, newRequestId: () => `req-${unique().id}` });
}

export async function ingest(database: Database, events: StoredEvent[]): Promise<void> {
  await insertEvents(database, events);
}
