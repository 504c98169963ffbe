/**
 * The Rules view: event rules (a filter, a webhook URL, a signing secret shown once) and their
 * delivery log. Rules are matched and delivered by the worker (worker/rules.ts); here they are
 * created, changed and inspected. Names, filters and URLs are checked by core's rules.
 */
import {
  type Caller,
  CONSOLE_EVENT_SOURCE,
  DomainError,
  formatWebhookSecret,
  parseRuleFilter,
  parseWebhookUrl,
  RULE_TEMPLATES,
  type RuleFilter,
  searchTextOf,
  type StoredEvent,
  toCloudTrailRecord,
  validateRuleName,
  WEBHOOK_SECRET_BYTES,
  webhookSecretHint,
} from "@activity-log/core";
import { getQuotas, isSubscriptionActive } from "../db/iam.ts";
import {
  deleteRule,
  findRule,
  insertRule,
  insertTestDelivery,
  listRuleDeliveries,
  listRules,
  type RuleDeliveryRow,
  RuleNameTaken,
  RuleQuotaExceeded,
  type RulePatch,
  type RuleRow,
  updateRule,
} from "../db/rules.ts";
import type { AppDeps } from "../deps.ts";
import { iso } from "./views.ts";

export type ConsoleRule = {
  name: string;
  filter: RuleFilter;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** `whsec_…abcd`: the last 4 characters only; the secret itself is shown once. */
  secretHint: string;
  lastDelivery: { at: string; status: string; responseCode: number | null } | null;
  lastError: { at: string; message: string } | null;
  /** The subscription is inactive: matching events pass without delivery (none is sent later). */
  paused: boolean;
  pausedSince: string | null;
  /** The last such gap, once delivery resumed (an extension of the contract). */
  lastPause: { from: string; to: string } | null;
};

export type ConsoleDelivery = {
  id: string;
  eventId: string;
  eventName: string;
  eventTime: string;
  test: boolean;
  status: "pending" | "retrying" | "delivered" | "failed";
  attempts: number;
  responseCode: number | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
};

function toConsoleRule(r: RuleRow, subscriptionActive: boolean): ConsoleRule {
  return {
    name: r.name,
    filter: r.filter,
    url: r.url,
    enabled: r.enabled,
    disabledReason: r.disabledReason,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    secretHint: r.secretHint,
    lastDelivery:
      r.lastDeliveryAt && r.lastDeliveryStatus ? { at: r.lastDeliveryAt.toISOString(), status: r.lastDeliveryStatus, responseCode: r.lastDeliveryCode } : null,
    lastError: r.lastErrorAt && r.lastErrorMessage ? { at: r.lastErrorAt.toISOString(), message: r.lastErrorMessage } : null,
    paused: !subscriptionActive || r.pausedSince !== null,
    pausedSince: iso(r.pausedSince),
    lastPause: r.lastPauseFrom && r.lastPauseTo ? { from: r.lastPauseFrom.toISOString(), to: r.lastPauseTo.toISOString() } : null,
  };
}

function toConsoleDelivery(d: RuleDeliveryRow): ConsoleDelivery {
  return {
    id: d.id,
    eventId: d.eventId,
    eventName: d.eventName,
    eventTime: d.eventTime.toISOString(),
    test: d.test,
    status: d.status,
    attempts: d.attempts,
    responseCode: d.responseCode,
    error: d.error,
    createdAt: d.createdAt.toISOString(),
    lastAttemptAt: iso(d.lastAttemptAt),
    deliveredAt: iso(d.deliveredAt),
    nextAttemptAt: iso(d.nextAttemptAt),
  };
}

function notFound(name: string): DomainError {
  return new DomainError("RuleNotFoundException", `There is no rule named ${name} in this account.`);
}

async function requireRule(deps: AppDeps, caller: Caller, name: string): Promise<RuleRow> {
  const rule = await findRule(deps.database.db, caller.accountId, name);
  if (!rule) throw notFound(name);
  return rule;
}

/** A new `whsec_` secret (32 random bytes) and what is stored of it. */
function newSecret(deps: AppDeps): { secret: string; secretSealed: string; secretHint: string } {
  const secret = formatWebhookSecret(crypto.getRandomValues(new Uint8Array(WEBHOOK_SECRET_BYTES)));
  return { secret, secretSealed: deps.secrets.encrypt(secret), secretHint: webhookSecretHint(secret) };
}

const policyOf = (deps: AppDeps) => ({ allowedHosts: deps.config.rulesAllowedHosts });

export async function listConsoleRules(deps: AppDeps, caller: Caller) {
  const db = deps.database.db;
  const [rows, quotas, active] = await Promise.all([
    listRules(db, caller.accountId),
    getQuotas(db, caller.accountId),
    isSubscriptionActive(db, caller.accountId),
  ]);
  return { rules: rows.map((r) => toConsoleRule(r, active)), quota: { used: rows.length, limit: quotas.rules } };
}

export async function getConsoleRule(deps: AppDeps, caller: Caller, name: string) {
  const rule = await requireRule(deps, caller, name);
  return { rule: toConsoleRule(rule, await isSubscriptionActive(deps.database.db, caller.accountId)) };
}

export async function createConsoleRule(deps: AppDeps, caller: Caller, input: { name: string; filter?: unknown; url: string; enabled?: boolean | undefined }) {
  const name = validateRuleName(input.name);
  const filter = parseRuleFilter(input.filter);
  const url = parseWebhookUrl(input.url, policyOf(deps));
  const db = deps.database.db;
  const quotas = await getQuotas(db, caller.accountId);
  const { secret, secretSealed, secretHint } = newSecret(deps);
  try {
    const row = await insertRule(
      db,
      { accountId: caller.accountId, name, filter, url, secretSealed, secretHint, enabled: input.enabled ?? true, now: deps.clock.now() },
      quotas.rules,
    );
    return { rule: toConsoleRule(row, true), secret };
  } catch (e) {
    if (e instanceof RuleNameTaken) throw new DomainError("RuleAlreadyExistsException", `A rule named ${name} already exists in this account.`);
    if (e instanceof RuleQuotaExceeded)
      throw new DomainError(
        "RulesLimitExceededException",
        `This account has its limit of ${quotas.rules} rules; delete one, or ask your cloud's support to raise the limit.`,
      );
    throw e;
  }
}

export async function updateConsoleRule(
  deps: AppDeps,
  caller: Caller,
  name: string,
  input: { filter?: unknown; url?: string | undefined; enabled?: boolean | undefined },
) {
  const patch: RulePatch = {};
  if (input.filter !== undefined) patch.filter = parseRuleFilter(input.filter);
  if (input.url !== undefined) patch.url = parseWebhookUrl(input.url, policyOf(deps));
  if (input.enabled !== undefined) patch.enabled = input.enabled;
  const row = await updateRule(deps.database.db, caller.accountId, name, patch, deps.clock.now());
  if (!row) throw notFound(name);
  return { rule: toConsoleRule(row, true) };
}

export async function deleteConsoleRule(deps: AppDeps, caller: Caller, name: string): Promise<void> {
  if (!(await deleteRule(deps.database.db, caller.accountId, name))) throw notFound(name);
}

/** A new secret; the old one stops signing at once (the next attempt of any delivery uses the new one). */
export async function rotateRuleSecret(deps: AppDeps, caller: Caller, name: string) {
  await requireRule(deps, caller, name);
  const { secret, secretSealed, secretHint } = newSecret(deps);
  await updateRule(deps.database.db, caller.accountId, name, { secretSealed, secretHint }, deps.clock.now());
  return { secret };
}

const TEST_EVENT_NAME = "ActivityLogRuleTest";

/** Queues a synthetic event for delivery now, marked `test: true` in the body and the log. */
export async function testConsoleRule(deps: AppDeps, caller: Caller, name: string) {
  const rule = await requireRule(deps, caller, name);
  const now = deps.clock.now();
  const eventId = `test-${crypto.randomUUID()}`;
  const base: Omit<StoredEvent, "searchText"> = {
    eventId,
    accountId: caller.accountId,
    project: caller.project,
    eventTime: now,
    eventName: TEST_EVENT_NAME,
    eventType: "AwsApiCall",
    eventSource: CONSOLE_EVENT_SOURCE,
    readOnly: false,
    userName: caller.userName,
    accessKeyId: null,
    sourceIp: null,
    userAgent: null,
    requestId: crypto.randomUUID(),
    errorCode: null,
    errorMessage: null,
    requestParameters: { ruleName: rule.name },
    responseElements: null,
    additionalEventData: { test: true },
    resources: [],
    resourceIds: [],
  };
  const event = { ...base, searchText: searchTextOf(base) };
  const body = JSON.stringify({ rule: rule.name, test: true, event: toCloudTrailRecord(event, deps.config.region) });
  const row = await insertTestDelivery(deps.database.db, {
    accountId: caller.accountId,
    ruleId: rule.id,
    eventId,
    eventName: TEST_EVENT_NAME,
    eventTime: now,
    body,
    now,
  });
  return { delivery: toConsoleDelivery(row) };
}

/** A page token of the delivery log: the last row's position, signed and bound to the rule. */
function encodeDeliveryToken(deps: AppDeps, ruleId: string, last: RuleDeliveryRow): string {
  const data = Buffer.from(JSON.stringify({ r: ruleId, t: last.createdAt.toISOString(), i: last.id })).toString("base64url");
  return `${data}.${deps.secrets.sign(`rule-deliveries:${data}`)}`;
}

function decodeDeliveryToken(deps: AppDeps, ruleId: string, token: string): { createdAt: Date; id: string } {
  const bad = new DomainError("InvalidNextTokenException", "The nextToken is invalid. Use the token from the previous page of this rule's deliveries.");
  const [data, sig, ...rest] = token.split(".");
  if (!data || !sig || rest.length > 0 || !deps.secrets.verify(`rule-deliveries:${data}`, sig)) throw bad;
  try {
    const p = JSON.parse(Buffer.from(data, "base64url").toString("utf8")) as { r: string; t: string; i: string };
    if (p.r !== ruleId || Number.isNaN(Date.parse(p.t))) throw bad;
    return { createdAt: new Date(p.t), id: p.i };
  } catch {
    throw bad;
  }
}

export async function listConsoleDeliveries(deps: AppDeps, caller: Caller, name: string, q: { limit?: number | undefined; nextToken?: string | undefined }) {
  const rule = await requireRule(deps, caller, name);
  const limit = q.limit ?? 50;
  const after = q.nextToken ? decodeDeliveryToken(deps, rule.id, q.nextToken) : undefined;
  const rows = await listRuleDeliveries(deps.database.db, caller.accountId, rule.id, limit + 1, after);
  const page = rows.slice(0, limit);
  return {
    deliveries: page.map(toConsoleDelivery),
    nextToken: rows.length > limit ? encodeDeliveryToken(deps, rule.id, page[page.length - 1]!) : null,
  };
}

export function ruleTemplates() {
  return { templates: RULE_TEMPLATES.map((t) => ({ ...t, filter: { ...t.filter } })) };
}

/** What a rule change records: the URL's origin only (a webhook URL may carry a token in its path or query). */
export function recordedRuleInput(input: {
  name?: string;
  filter?: unknown;
  url?: string | undefined;
  enabled?: boolean | undefined;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input.name !== undefined) out.ruleName = input.name;
  if (input.filter !== undefined) out.filter = input.filter;
  if (input.url !== undefined) out.urlOrigin = originOf(input.url);
  if (input.enabled !== undefined) out.enabled = input.enabled;
  return out;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(not a URL)";
  }
}
