import { searchTextOf, type StoredEvent } from "@activity-log/core";
import type { Database } from "../db/client.ts";
import { insertEvents } from "../db/events.ts";

let counter = 0;

/** A stored event as ingest would store it: a write by alice in `default`, with `over` on top. */
export function testEvent(accountId: string, at: Date | string, over: Partial<StoredEvent> = {}): StoredEvent {
  const n = ++counter;
  const base = {
    eventId: `ev-${String(n).padStart(6, "0")}-${Math.random().toString(36).slice(2, 8)}`,
    accountId,
    project: "default",
    eventTime: typeof at === "string" ? new Date(at) : at,
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

export async function ingest(database: Database, events: StoredEvent[]): Promise<void> {
  await insertEvents(database, events);
}
