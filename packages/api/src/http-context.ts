import type { Caller, EventType } from "@activity-log/core";
import type { AppDeps } from "./deps.ts";

/**
 * What a handler tells the recording middleware (record.ts) about the call it served. Routers fill
 * it in as soon as they know (the method name first, the caller once authenticated, the response
 * last); record.ts turns it into an event after the response is decided, errors included.
 */
export interface CallRecord {
  eventName?: string;
  eventSource?: string;
  eventType?: EventType;
  /** Set once the caller is known; calls whose account is unknown are not recorded. */
  accountId?: string;
  project?: string;
  userName?: string;
  accessKeyId?: string | null;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  readOnly?: boolean;
  errorCode?: string;
  errorMessage?: string;
  additionalEventData?: Record<string, unknown> | null;
  /** Set to false to skip recording (health checks, static assets). */
  record?: boolean;
}

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    requestId: string;
    call: CallRecord;
    caller?: Caller;
  };
};
