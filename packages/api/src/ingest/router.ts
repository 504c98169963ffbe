import {
  DomainError,
  eventTimeProblem,
  type IngestIssue,
  MAX_INGEST_BATCH,
  MAX_INGEST_BYTES,
  type StoredEvent,
  toStoredEvent,
  validateIngestBatch,
} from "@activity-log/core";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requireBearer } from "../auth/bearer.ts";
import { insertEvents } from "../db/events.ts";
import { getQuotas, resolveRecipients } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../http-context.ts";

/**
 * POST /internal/v1/events — other services of the cloud report the API calls they served.
 * A batch is validated whole (any bad event → 400 naming each index and field, nothing stored),
 * checked against known accounts and projects (422), and committed in one transaction before
 * the answer `{"accepted", "duplicates"}`. These calls are not themselves recorded as events.
 */

/** Any bad input refuses the whole batch: the message lists the first problems, `errors` all of them. */
function refusedBatch(issues: IngestIssue[], describe: (issue: IngestIssue) => string): DomainError {
  const detail = issues.map(describe);
  const more = detail.length > 20 ? `; and ${detail.length - 20} more` : "";
  return new DomainError("ValidationException", `The batch was refused; nothing was stored. ${detail.slice(0, 20).join("; ")}${more}`, {
    details: { errors: issues },
  });
}

const INGEST_TOKEN_HINT = "Send the ingest token as 'Authorization: Bearer <INGEST_TOKEN>'.";

type Parsed = { ok: true; items: unknown[] } | { ok: false; message: string };

/** `{"events": [...]}` or NDJSON (one event per line; blank lines ignored). */
function parseBody(text: string, contentType: string): Parsed {
  if (/application\/(x-)?ndjson|application\/jsonl/i.test(contentType)) {
    const items: unknown[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === "") continue;
      try {
        items.push(JSON.parse(line));
      } catch {
        return { ok: false, message: `Line ${i + 1} of the NDJSON body is not valid JSON.` };
      }
    }
    return { ok: true, items };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The body is not valid JSON. Send {"events": [...]} or NDJSON with Content-Type application/x-ndjson.' };
  }
  const events = (body as { events?: unknown } | null)?.events;
  if (typeof body !== "object" || body === null || !Array.isArray(events)) return { ok: false, message: 'The body must be a JSON object {"events": [...]}.' };
  return { ok: true, items: events };
}

/** Events timed outside what the account can ever see (core eventTimeProblem), with their index. */
async function eventTimeIssues(deps: AppDeps, events: StoredEvent[]): Promise<IngestIssue[]> {
  const now = deps.clock.now();
  const retention = new Map<string, number>();
  for (const accountId of new Set(events.map((e) => e.accountId))) {
    retention.set(accountId, (await getQuotas(deps.database.db, accountId)).retentionDays);
  }
  const issues: IngestIssue[] = [];
  events.forEach((e, index) => {
    const message = eventTimeProblem(e.eventTime, now, retention.get(e.accountId)!);
    if (message) issues.push({ index, field: "eventTime", message });
  });
  return issues;
}

export function ingestRouter() {
  return new Hono<AppEnv>().post(
    "/",
    async (c, next) => {
      c.get("call").record = false;
      await next();
    },
    requireBearer((c) => c.get("deps").config.ingestToken, { realm: "activity-log-ingest", missing: INGEST_TOKEN_HINT, invalid: INGEST_TOKEN_HINT }),
    bodyLimit({
      maxSize: MAX_INGEST_BYTES,
      onError: () => {
        throw new DomainError("PayloadTooLargeException", `A batch may be at most ${MAX_INGEST_BYTES} bytes; split it.`);
      },
    }),
    async (c) => {
      const parsed = parseBody(await c.req.text(), c.req.header("content-type") ?? "");
      if (!parsed.ok) throw new DomainError("SerializationException", parsed.message);
      if (parsed.items.length > MAX_INGEST_BATCH)
        throw new DomainError("PayloadTooLargeException", `A batch may hold at most ${MAX_INGEST_BATCH} events; got ${parsed.items.length}. Split it.`);
      if (parsed.items.length === 0) return c.json({ accepted: 0, duplicates: 0 });

      const checked = validateIngestBatch(parsed.items);
      if (!checked.ok) throw refusedBatch(checked.errors, (e) => `events[${e.index}]${e.field ? `.${e.field}` : ""}: ${e.message}`);
      const ids = { newEventId: () => crypto.randomUUID(), newRequestId: () => crypto.randomUUID() };
      const events = checked.events.map((e) => toStoredEvent(e, ids));

      const { database } = c.get("deps");
      const recipients = await resolveRecipients(
        database.db,
        events.map((e) => ({ accountId: e.accountId, project: e.project })),
      );
      const unknown = recipients.problems;
      if (unknown.length > 0)
        throw new DomainError("UnknownRecipientException", `The batch was refused; nothing was stored: ${unknown.join("; ")}.`, { details: { unknown } });
      // Senders may name the account by alias; the event is stored under its id.
      for (const e of events) e.accountId = recipients.ids.get(e.accountId) ?? e.accountId;

      const tooOld = await eventTimeIssues(c.get("deps"), events);
      if (tooOld.length > 0) throw refusedBatch(tooOld, (e) => `events[${e.index}].eventTime: ${e.message}`);

      return c.json(await insertEvents(database, events));
    },
  );
}
