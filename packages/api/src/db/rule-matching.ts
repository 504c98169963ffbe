import { type RuleFilter, ruleMatches, toCloudTrailRecord } from "@activity-log/core";
import type { Database } from "./client.ts";
import { type EventRow, SELECT_COLUMNS, toEvent } from "./events.ts";
import { currentHorizon } from "./horizon.ts";
import { nativeQuery } from "./rows.ts";
import { inTransaction } from "./transaction.ts";

/**
 * Matching events to rules in commit order (see the worker's rules.ts for why each (rule, event)
 * pair is considered exactly once). One run: capture the horizon H first (before this run takes a
 * transaction id), then in one transaction lock the enabled rules whose cursor is below H (FOR
 * UPDATE SKIP LOCKED: a rule another worker is matching is left to it), read each account's events
 * with cursor ≤ ingest_xid < H, insert one delivery per match (unique per rule and event), and move
 * the cursors to H. A crash anywhere rolls all of it back; the next run does the same work again.
 */

export interface RuleMatchSummary {
  /** Rules whose cursor moved. */
  rules: number;
  /** Deliveries created. */
  matched: number;
  /** Rules of accounts whose subscription is inactive: their events were skipped. */
  paused: number;
}

interface DueRule {
  id: string;
  account_id: string;
  name: string;
  filter: RuleFilter | string;
  match_cursor: string;
  active: boolean;
}

type MatchRow = EventRow & { search_text: string; xid: string };

const PAGE = 500;

/** Matches every event committed since each enabled rule's cursor, up to the current horizon. */
export async function matchRules(database: Database, now: Date, region: string, options: { horizon?: string } = {}): Promise<RuleMatchSummary> {
  const horizon = options.horizon ?? (await currentHorizon(database));
  return inTransaction(database, async () => {
    const summary: RuleMatchSummary = { rules: 0, matched: 0, paused: 0 };
    const due = await nativeQuery<DueRule>(
      database,
      `select r.id, r.account_id, r.name, r.filter, r.match_cursor,
              coalesce((select s.active from subscriptions s where s.account_id = r.account_id), false) as active
       from rules r
       where r.enabled and r.match_cursor::xid8 < $1::xid8
       order by r.account_id, r.id
       for update of r skip locked`,
      [horizon],
    );
    const byAccount = new Map<string, DueRule[]>();
    for (const r of due) byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), r]);
    for (const [accountId, accountRules] of byAccount) {
      const ids = JSON.stringify(accountRules.map((r) => r.id));
      if (!accountRules[0]!.active) {
        // An inactive subscription pauses delivery: the events pass by, the gap is kept for the console.
        await nativeQuery(
          database,
          `update rules set match_cursor = $2, paused_since = coalesce(paused_since, $3::timestamptz)
           where id in (select value::uuid from json_array_elements_text($1::json))`,
          [ids, horizon, now.toISOString()],
        );
        summary.paused += accountRules.length;
        summary.rules += accountRules.length;
        continue;
      }
      summary.matched += await matchAccount(database, accountId, accountRules, horizon, now, region);
      await nativeQuery(
        database,
        `update rules set match_cursor = $2,
           last_pause_from = coalesce(paused_since, last_pause_from),
           last_pause_to = case when paused_since is null then last_pause_to else $3::timestamptz end,
           paused_since = null
         where id in (select value::uuid from json_array_elements_text($1::json))`,
        [ids, horizon, now.toISOString()],
      );
      summary.rules += accountRules.length;
    }
    return summary;
  });
}

/** The account's events from the lowest cursor of its rules up to the horizon, page by page in commit order. */
async function matchAccount(database: Database, accountId: string, accountRules: DueRule[], horizon: string, now: Date, region: string): Promise<number> {
  const rulesHere = accountRules.map((r) => ({
    id: r.id,
    name: r.name,
    cursor: BigInt(r.match_cursor),
    filter: (typeof r.filter === "string" ? JSON.parse(r.filter) : r.filter) as RuleFilter,
  }));
  let from = rulesHere[0]!.cursor;
  for (const r of rulesHere) if (r.cursor < from) from = r.cursor;
  let matched = 0;
  let after: { xid: string; id: string } | undefined;
  for (;;) {
    const params: unknown[] = [accountId, from.toString(), horizon];
    let keyset = "";
    if (after) {
      params.push(after.xid, after.id);
      keyset = `and (ingest_xid, event_id) > ($4::xid8, $5)`;
    }
    const rows = await nativeQuery<MatchRow>(
      database,
      `select ${SELECT_COLUMNS}, search_text, ingest_xid::text as xid from events
       where account_id = $1 and ingest_xid >= $2::xid8 and ingest_xid < $3::xid8 ${keyset}
       order by ingest_xid, event_id limit ${PAGE}`,
      params,
    );
    const deliveries: Record<string, unknown>[] = [];
    for (const row of rows) {
      const xid = BigInt(row.xid);
      // The stored search text is what the events query searches (a re-rendering may order JSON keys differently).
      const event = toEvent(row);
      const matchable = {
        eventName: event.eventName,
        readOnly: event.readOnly,
        userName: event.userName,
        eventSource: event.eventSource,
        accessKeyId: event.accessKeyId,
        project: event.project,
        errorCode: event.errorCode,
        resources: event.resources,
        resourceIds: event.resourceIds,
        searchText: row.search_text,
      };
      for (const rule of rulesHere) {
        if (xid < rule.cursor || !ruleMatches(rule.filter, matchable)) continue;
        deliveries.push({
          a: accountId,
          r: rule.id,
          i: event.eventId,
          n: event.eventName,
          t: event.eventTime.toISOString(),
          b: JSON.stringify({ rule: rule.name, test: false, event: toCloudTrailRecord(event, region) }),
        });
      }
    }
    if (deliveries.length > 0) matched += await insertDeliveries(database, deliveries, now);
    if (rows.length < PAGE) return matched;
    const last = rows[rows.length - 1]!;
    after = { xid: last.xid, id: last.event_id };
  }
}

/** One statement per page; a (rule, event) pair already delivered is left alone. */
async function insertDeliveries(database: Database, rows: Record<string, unknown>[], now: Date): Promise<number> {
  const inserted = await nativeQuery(
    database,
    `insert into rule_deliveries (account_id, rule_id, event_id, event_name, event_time, body, status, created_at, next_attempt_at)
     select a, r::uuid, i, n, t, b, 'pending', $2::timestamptz, $2::timestamptz
     from json_to_recordset($1::json) as x(a text, r text, i text, n text, t timestamptz, b text)
     on conflict (rule_id, event_id) do nothing
     returning 1`,
    [JSON.stringify(rows), now.toISOString()],
  );
  return inserted.length;
}
