/**
 * The typed client of the console API: `hc<ConsoleAppType>` gives every path, parameter and answer
 * its type from the server's own router. Adds the CSRF header to every request and turns error
 * answers into ApiError, whose `code` the views switch on (401 → sign-in page, 403 → access pages).
 */
import type { ConsoleAppType } from "@activity-log/api/console-types";
import { hc, type InferResponseType } from "hono/client";

let csrfToken = "";
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export const api = hc<ConsoleAppType>(`${location.origin}/api/v1`, {
  headers: (): Record<string, string> => (csrfToken ? { "X-CSRF-Token": csrfToken } : {}),
  init: { credentials: "same-origin" },
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = (e: ApiError) => void;
const listeners = new Set<Listener>();
/** The app listens for 401/403 answers anywhere, to show the sign-in or access pages. */
export function onAuthError(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Awaits an `api` call; returns the JSON body or throws ApiError with the server's message verbatim. */
export async function call<R extends { ok: boolean; status: number; json(): Promise<unknown> }>(
  request: Promise<R>,
): Promise<R extends { json(): Promise<infer T> } ? T : never> {
  let res: R;
  try {
    res = await request;
  } catch {
    throw new ApiError(0, "NetworkError", "The service could not be reached. Check your connection and try again.");
  }
  // 204 No Content (a delete) has no body to read.
  if (res.ok) return (res.status === 204 ? undefined : await res.json()) as never;
  const body = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
  const error = new ApiError(res.status, body?.error ?? `HTTP${res.status}`, body?.message ?? `The request failed (HTTP ${res.status}).`);
  if (res.status === 401 || error.code === "AccessDeniedException" || error.code === "SubscriptionRequiredException") {
    for (const l of listeners) l(error);
  }
  throw error;
}

export type Me = InferResponseType<typeof api.me.$get, 200>;
type EventsPage = InferResponseType<typeof api.events.$get, 200>;
export type ConsoleEvent = EventsPage["events"][number];
export type Histogram = InferResponseType<typeof api.histogram.$get, 200>;
export type Facets = InferResponseType<typeof api.facets.$get, 200>;
type TrailsList = InferResponseType<typeof api.trails.$get, 200>;
export type Trail = TrailsList["trails"][number];
export type ReportsList = InferResponseType<typeof api.reports.$get, 200>;
export type Report = ReportsList["reports"][number];
