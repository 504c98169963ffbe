import { type RuleFilter, ruleMatches, toCloudTrailRecord } from "@activity-log/core";
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { type EventRow, SELECT_COLUMNS, toEvent } from "./events.ts";
import { currentHorizon } from "./horizon.ts";
import { rowsOf } from "./rows.ts";

/** A transaction's (or the database's) query runner, as rowsOf takes it. */
type Tx = { execute(query: SQL): PromiseLike<unknown> };

/**
 * Matching events to rules in commit order (see the worker's rules.ts for why each (rule, event)
 * pair is considered exactly once). One run: capture the horizon H first (before this run takes a
 * transaction id), then in one transaction of its own lock the enabled rules whose cursor is below
 * H (FOR NO KEY UPDATE SKIP LOCKED: a rule another worker is matching is left to it, and inserts
 * referencing the rule, such as a test delivery, do not wait), read their accounts' events
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
  // A transaction of its own (never the caller's scope): the row locks and the cursor move must span it.
  return database.db.transaction(async (tx) => {
    const summary = { matched: 0 };
    const due = await rowsOf<DueRule>(
      tx,
      sql`select r.id, r.account_id, r.name, r.filter, r.match_cursor,
              coalesce((select s.active from subscriptions s where s.account_id = r.account_id), false) as active
       from rules r
       where r.enabled and r.match_cursor::xid8 < ${horizon}::xid8
       order by r.account_id, r.id
       for no key update of r skip locked`,
    );
    const paused = due.filter((r) => !r.active);
    const active = due.filter((r) => r.active);
    if (paused.length > 0) {
      // An inactive subscription pauses delivery: the events pass by, the gap is kept for the console.
      await rowsOf(
        tx,
        sql`update rules set match_cursor = ${horizon}, paused_since = coalesce(paused_since, ${now.toISOString()}::timestamptz)
         where id in (select value::uuid from json_array_elements_text(${JSON.stringify(paused.map((r) => r.id))}::json))`,
      );
    }
    if (active.length > 0) {
      const matched = await matchActive(tx, active, horizon, now, region);
      await rowsOf(
        tx,
        sql`update rules set match_cursor = ${horizon},
           last_pause_from = coalesce(paused_since, last_pause_from),
           last_pause_to = case when paused_since is null then last_pause_to else ${now.toISOString()}::timestamptz end,
           paused_since = null
         where id in (select value::uuid from json_array_elements_text(${JSON.stringify(active.map((r) => r.id))}::json))`,
      );
      summary.matched += matched;
    }
    return { ...summary, rules: due.length, paused: paused.length };
  });
}

/**
 * The events of the rules' accounts from the lowest cursor up to the horizon, page by page in commit
 * order, in one pass for all accounts: the cursors all move to the same horizon each run, so the pass
 * reads each newly committed event once (through events_by_ingest_xid), whatever the number of accounts.
 */
async function matchActive(tx: Tx, due: DueRule[], horizon: string, now: Date, region: string): Promise<number> {
  const byAccount = new Map<string, { id: string; name: string; cursor: bigint; filter: RuleFilter }[]>();
  let from = BigInt(due[0]!.match_cursor);
  for (const r of due) {
    const cursor = BigInt(r.match_cursor);
    if (cursor < from) from = cursor;
    const filter = (typeof r.filter === "string" ? JSON.parse(r.filter) : r.filter) as RuleFilter;
    byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), { id: r.id, name: r.name, cursor, filter }]);
  }
  const accounts = JSON.stringify([...byAccount.keys()]);
  let matched = 0;
  let after: { xid: string; account: string; id: string } | undefined;
  for (;;) {
    const keyset = after ? sql`and (ingest_xid, account_id, event_id) > (${after.xid}::xid8, ${after.account}, ${after.id})` : sql``;
    const rows = await rowsOf<MatchRow>(
      tx,
      sql`select ${sql.raw(SELECT_COLUMNS)}, search_text, ingest_xid::text as xid from events
       where ingest_xid >= ${from.toString()}::xid8 and ingest_xid < ${horizon}::xid8
         and account_id in (select value from json_array_elements_text(${accounts}::json)) ${keyset}
       order by ingest_xid, account_id, event_id limit ${sql.raw(String(PAGE))}`,
    );
    const deliveries: Record<string, unknown>[] = [];
    for (const row of rows) {
      const xid = BigInt(row.xid);
      const event = toEvent(row);
      // The stored search text is what the events query searches (a re-rendering may order JSON keys differently).
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
      for (const rule of byAccount.get(row.account_id) ?? []) {
        if (xid < rule.cursor || !ruleMatches(rule.filter, matchable)) continue;
        deliveries.push({
          a: row.account_id,
          r: rule.id,
          i: event.eventId,
          n: event.eventName,
          t: event.eventTime.toISOString(),
          b: JSON.stringify({ rule: rule.name, test: false, event: toCloudTrailRecord(event, region) }),
        });
      }
    }
    if (deliveries.length > 0) matched += await insertDeliveries(tx, deliveries, now);
    if (rows.length < PAGE) return matched;
    const last = rows[rows.length - 1]!;
    after = { xid: last.xid, account: last.account_id, id: last.event_id };
  }
}

/** One statement per page; a (rule, event) pair already delivered is left alone. */
async function insertDeliveries(tx: Tx, rows: Record<string, unknown>[], now: Date): Promise<number> {
  const at = now.toISOString();
  const inserted = await rowsOf(
    tx,
    sql`insert into rule_deliveries (account_id, rule_id, event_id, event_name, event_time, body, status, created_at, next_attempt_at)
     select a, r::uuid, i, n, t, b, 'pending', ${at}::timestamptz, ${at}::timestamptz
     from json_to_recordset(${JSON.stringify(rows)}::json) as x(a text, r text, i text, n text, t timestamptz, b text)
     on conflict (rule_id, event_id) do nothing
     returning 1`,
  );
  return inserted.length;
}
