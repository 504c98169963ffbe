/**
 * Who is calling, in one statement: an access key → its owner, the owner's groups, the account's
 * subscription and quota overrides (and, when the rate limit is kept in Postgres, how many CloudTrail
 * calls the account made lately). Resolving these one query at a time cost five sequential round
 * trips per API call; one statement costs one, on the Bun server and on the edge alike.
 *
 * Every check that decides whether a key may be used belongs here so it is read in the same
 * statement: the key's status is returned for verifySigV4 to refuse, and a key of a disabled user
 * is Inactive whatever its own status (revocation takes effect on the next request).
 */
import { CLOUDTRAIL_EVENT_SOURCE, type Caller, effectiveQuotas, type Quotas } from "@activity-log/core";
import { sql } from "drizzle-orm";
import type { SecretBox } from "../auth/secret-box.ts";
import type { Db } from "./client.ts";
import { rowsOf } from "./rows.ts";

export interface ResolvedKeyCaller {
  accessKeyId: string;
  secretAccessKey: string;
  status: "Active" | "Inactive";
  caller: Caller;
  /** The account's effective quotas (core defaults with the operator's overrides). */
  quotas: Quotas;
  /** The account's CloudTrail calls recorded since `recentCalls.since`, counted up to its cap; null when not asked. */
  recentCalls: number | null;
}

export interface RecentCallsQuery {
  since: Date;
  /** Counting stops here: the limiter only needs to know whether the limit is reached. */
  cap: number;
}

interface ResolutionRow {
  access_key_id: string;
  secret_encrypted: string;
  status: "Active" | "Inactive";
  project: string;
  user_id: string;
  account_id: string;
  user_name: string;
  is_system: boolean;
  groups: { project: string; group: string }[] | string;
  subscription_active: boolean | null;
  quota_overrides: Record<string, number> | string;
  recent_calls: number | null;
}

/** The key with its decrypted secret, its owner as a Caller and the account's quotas; null when the key is unknown. */
export async function resolveKeyCaller(db: Db, secrets: SecretBox, accessKeyId: string, recentCalls?: RecentCallsQuery): Promise<ResolvedKeyCaller | null> {
  // Recent calls are counted on events_by_source (account_id, event_source, event_time desc),
  // stopping at the cap, so the cost is bounded whatever the account's volume.
  const recent = recentCalls
    ? sql`(select count(*)::int from (select 1 from events e
           where e.account_id = u.account_id and e.event_source = ${CLOUDTRAIL_EVENT_SOURCE}
             and e.event_time >= ${recentCalls.since.toISOString()}::timestamptz
           limit ${recentCalls.cap}) r)`
    : sql`null::int`;
  const rows = await rowsOf<ResolutionRow>(
    db,
    sql`select k.access_key_id, k.secret_encrypted,
          case when u.disabled_at is null then k.status else 'Inactive' end as status, k.project,
          u.id as user_id, u.account_id, u.name as user_name, u.is_system,
          coalesce((select json_agg(json_build_object('project', g.project, 'group', g.group_name) order by g.project, g.group_name)
                    from group_members g where g.user_id = u.id), '[]'::json) as groups,
          (select s.active from subscriptions s where s.account_id = u.account_id) as subscription_active,
          coalesce((select json_object_agg(q.name, q.value) from quotas q where q.account_id = u.account_id), '{}'::json) as quota_overrides,
          ${recent} as recent_calls
        from access_keys k join users u on u.id = k.user_id
        where k.access_key_id = ${accessKeyId}`,
  );
  const row = rows[0];
  if (!row) return null;
  // postgres.js parses json columns; PGlite does too, but a driver that hands back text is tolerated.
  const groups = (typeof row.groups === "string" ? JSON.parse(row.groups) : row.groups) as Caller["groups"];
  const overrides = typeof row.quota_overrides === "string" ? (JSON.parse(row.quota_overrides) as Record<string, number>) : row.quota_overrides;
  return {
    accessKeyId: row.access_key_id,
    secretAccessKey: secrets.decrypt(row.secret_encrypted),
    status: row.status,
    caller: {
      accountId: row.account_id,
      userId: row.user_id,
      userName: row.user_name,
      isSystem: row.is_system,
      project: row.project,
      accessKeyId: row.access_key_id,
      groups,
      // An account without a subscription row (there should be none) counts as inactive.
      subscriptionActive: row.subscription_active ?? false,
    },
    quotas: effectiveQuotas(overrides),
    recentCalls: row.recent_calls === null ? null : Number(row.recent_calls),
  };
}
