import {
  assertPageTokenBinding,
  decodePageToken,
  encodePageToken,
  type EventFilter,
  filterFingerprint,
  resolveTimeWindow,
  retentionFloor,
  type StoredEvent,
  validateMaxResults,
  validateSearch,
} from "@activity-log/core";
import type { AppDeps } from "../deps.ts";
import { findEventPage } from "../db/events.ts";
import { withStatementTimeout } from "../db/statement-timeout.ts";

export interface EventPageRequest {
  accountId: string;
  retentionDays: number;
  filter: EventFilter;
  start?: Date;
  end?: Date;
  maxResults?: number;
  nextToken?: string;
}

export interface EventPage {
  events: StoredEvent[];
  nextToken?: string;
  window: { start: Date; end: Date };
}

/**
 * One page of an account's events, newest first — shared by LookupEvents and the console.
 * The first page resolves the window (clamped to retention, end = now unless given); its token
 * pins that window, so later pages neither drift with the clock nor show events that arrived
 * after the first page. Each later page re-clamps the start to retention (nothing older than the
 * retention ever shows). Tokens are HMAC-signed and bound to the account, the filter and the
 * requested start/end; anything else gets InvalidNextTokenException.
 */
export async function queryEventPage(deps: Pick<AppDeps, "database" | "clock" | "secrets" | "config">, req: EventPageRequest): Promise<EventPage> {
  const maxResults = validateMaxResults(req.maxResults);
  const filter: EventFilter = { ...req.filter, search: validateSearch(req.filter.search) };
  const now = deps.clock.now();
  // An HMAC rather than a bare hash: the binding cannot be recomputed by someone forging a token.
  const filterHash = deps.secrets.sign(filterFingerprint(filter, { start: req.start, end: req.end }));

  let window: { start: Date; end: Date };
  let after: { time: string; id: string } | undefined;
  if (req.nextToken !== undefined && req.nextToken !== "") {
    const token = decodePageToken(req.nextToken, deps.secrets.verify);
    assertPageTokenBinding(token, { accountId: req.accountId, filterHash });
    const floor = retentionFloor(now, req.retentionDays).getTime();
    window = {
      start: new Date(Math.max(Date.parse(token.windowStart), floor)),
      end: new Date(token.windowEnd),
    };
    after = { time: token.lastTime, id: token.lastId };
    if (window.end < window.start) return { events: [], window };
  } else {
    const resolved = resolveTimeWindow({ start: req.start, end: req.end }, now, req.retentionDays);
    window = { start: resolved.start, end: resolved.end };
    if (resolved.empty) return { events: [], window };
  }

  // One extra row tells whether another page exists, so the last page carries no token.
  const rows = await withStatementTimeout(deps.config.queryTimeoutMs, () =>
    findEventPage(deps.database, { accountId: req.accountId, filter, window, limit: maxResults + 1, after }),
  );
  const page = rows.slice(0, maxResults);
  const result: EventPage = { events: page.map((r) => r.event), window };
  if (rows.length > maxResults) {
    const last = page[page.length - 1]!;
    result.nextToken = encodePageToken(
      {
        v: 1,
        accountId: req.accountId,
        filterHash,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        lastTime: last.cursor.time,
        lastId: last.cursor.id,
      },
      deps.secrets.sign,
    );
  }
  return result;
}
