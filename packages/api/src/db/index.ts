/**
 * `@activity-log/api/db` — the data layer other packages use: opening and migrating the database,
 * and every query the worker, the benchmarks and the tests run. Each query is a small named
 * function in the module of its aggregate; SQL is written nowhere else. Every query carries the
 * account id (the tenant boundary).
 */

export { nativeQuery } from "./rows.ts";
export { inTransaction } from "./transaction.ts";
export { connectPostgres, type Database } from "./client.ts";

// Events: ingest, reads, reports, the histogram's rollups, day partitions.
export { estimateEventCount, type EventKey, type KeyRange, planKeyRanges, type ReportBatch, streamReportEvents } from "./events.ts";
export { finishReportCsv, reportCsvCopySql, reportCsvPage } from "./report-csv.ts";
export { type RollupRunSummary, deleteRollupsBefore, rollUpEvents } from "./event-rollups.ts";
export { dropPartitionsBefore, ensurePartitions, listPartitions } from "./partitions.ts";
export { buildClosedDayIndexes } from "./partition-indexes.ts";

// IAM, subscriptions, quotas, console sessions.
export { createAccount, createUser, retentionOverrides, getQuotas, isSubscriptionActive, setQuota, setSubscription } from "./iam.ts";
export { closeSession, deleteStaleSignInGuesses, expiredOpenSessions, reopenSession } from "./sessions.ts";

// Trails and their deliveries: the horizon, windows, digests, the per-trail lock.
export {
  findKeySecret,
  listDueTrails,
  setTrailLogging,
  skippedWindowsOf,
  type TrailRow,
  updateTrailRow,
} from "./trails.ts";
// A trail's windows: fixed at a horizon, then delivered, found empty or skipped, or failed and retried.
export { type DeliveryRow, fixWindow, listDeliveries, loadTrail, moveCursor, oldestPending } from "./trail-deliveries.ts";
export { markDelivered, markEmpty, markSkipped, recordFailure } from "./trail-deliveries.ts";
export { deliveriesBetween, firstWindowFrom, latestDigest, listDigests, recordDigest, recordDigestFailure } from "./trail-digests.ts";
export { signingKeyByFingerprint, signingKeysBetween } from "./signing-keys.ts";
export { readWindowEvents } from "./window-events.ts";
export { currentHorizon, settleHorizon } from "./horizon.ts";
export { withExclusive } from "./exclusive.ts";

// Event rules: matching in commit order, then delivery with retries.
export { matchRules, type RuleMatchSummary } from "./rule-matching.ts";
export { abandonDelivery, type ClaimedDelivery, claimDueDeliveries, deleteRuleDeliveriesBefore, recordAttempt } from "./rule-deliveries.ts";
export { findRule, insertRule, listRuleDeliveries, listRules, type RuleDeliveryRow, type RuleRow, updateRule } from "./rules.ts";

// Reports.
export {
  claimNextReport,
  expireReports,
  failReport,
  finishReport,
  getReport,
  isReportClaimedByOther,
  purgeReport,
  renewReportClaim,
  type ReportRow,
  requestReport,
  saveReportCheckpoint,
  updateReportProgress,
} from "./reports.ts";
