import { eventTimeProblem, type IngestIssue, MAX_INGEST_BATCH, type StoredEvent, toStoredEvent, validateIngestBatch } from "@activity-log/core";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createHash, timingSafeEqual } from "node:crypto";
import { insertEvents } from "../db/events.ts";
import { getQuotas, unknownRecipients } from "../db/iam.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../http-context.ts";

/**
 * POST /internal/v1/events — other services of the cloud report the API calls they served.
 * A batch is validated whole (any bad event → 400 naming each index and field, nothing stored),
 * checked against known accounts and projects (422), and committed in one transaction before
 * the answer `{"accepted", "duplicates"}`. These calls are not themselves recorded as events.
 */

export const MAX_INGEST_BYTES = 5 * 1024 * 1024;

function sha256(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** Constant-time comparison (digests have equal length whatever the input). */
function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function fail(c: Context<AppEnv>, status: 400 | 401 | 413 | 415 | 422, error: string, message: string, extra?: object) {
  return c.json({ error, message, ...extra }, status);
}

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

/** Postgres text cannot hold NUL; refuse it here with the event's index rather than fail the insert. */
function nulIssues(events: StoredEvent[]): IngestIssue[] {
  const issues: IngestIssue[] = [];
  events.forEach((e, index) => {
    if (JSON.stringify(e).includes("\\u0000")) issues.push({ index, field: "", message: "Text values must not contain the NUL character (\\u0000)." });
  });
  return issues;
}

export function ingestRouter() {
  return new Hono<AppEnv>().post(
    "/",
    async (c, next) => {
      c.get("call").record = false;
      const expected = c.get("deps").config.ingestToken;
      const auth = c.req.header("authorization") ?? "";
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m || !tokenMatches(m[1]!.trim(), expected)) {
        c.header("WWW-Authenticate", 'Bearer realm="activity-log-ingest"');
        return fail(c, 401, "UnauthorizedException", "Send the ingest token as 'Authorization: Bearer <INGEST_TOKEN>'.");
      }
      await next();
    },
    bodyLimit({
      maxSize: MAX_INGEST_BYTES,
      onError: (c) => fail(c as Context<AppEnv>, 413, "PayloadTooLargeException", `A batch may be at most ${MAX_INGEST_BYTES} bytes; split it.`),
    }),
    async (c) => {
      const parsed = parseBody(await c.req.text(), c.req.header("content-type") ?? "");
      if (!parsed.ok) return fail(c, 400, "SerializationException", parsed.message);
      if (parsed.items.length > MAX_INGEST_BATCH)
        return fail(c, 413, "PayloadTooLargeException", `A batch may hold at most ${MAX_INGEST_BATCH} events; got ${parsed.items.length}. Split it.`);
      if (parsed.items.length === 0) return c.json({ accepted: 0, duplicates: 0 });

      const checked = validateIngestBatch(parsed.items);
      if (!checked.ok) {
        const detail = checked.errors.map((e) => `events[${e.index}]${e.field ? `.${e.field}` : ""}: ${e.message}`);
        return fail(
          c,
          400,
          "ValidationException",
          `The batch was refused; nothing was stored. ${detail.slice(0, 20).join("; ")}${detail.length > 20 ? `; and ${detail.length - 20} more` : ""}`,
          { errors: checked.errors },
        );
      }
      const ids = { newEventId: () => crypto.randomUUID(), newRequestId: () => crypto.randomUUID() };
      const events = checked.events.map((e) => toStoredEvent(e, ids));
      const nul = nulIssues(events);
      if (nul.length > 0)
        return fail(
          c,
          400,
          "ValidationException",
          `The batch was refused; nothing was stored. ${nul.map((e) => `events[${e.index}]: ${e.message}`).join("; ")}`,
          { errors: nul },
        );

      const { database } = c.get("deps");
      const unknown = await unknownRecipients(
        database.db,
        events.map((e) => ({ accountId: e.accountId, project: e.project })),
      );
      if (unknown.length > 0)
        return fail(c, 422, "UnknownRecipientException", `The batch was refused; nothing was stored: ${unknown.join("; ")}.`, { unknown });

      const tooOld = await eventTimeIssues(c.get("deps"), events);
      if (tooOld.length > 0)
        return fail(
          c,
          400,
          "ValidationException",
          `The batch was refused; nothing was stored. ${tooOld
            .slice(0, 20)
            .map((e) => `events[${e.index}].eventTime: ${e.message}`)
            .join("; ")}`,
          { errors: tooOld },
        );

      const result = await insertEvents(database, events);
      return c.json(result);
    },
  );
}
