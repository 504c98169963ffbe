// Per-account quotas: defaults from SPEC, operator overrides applied on top.
import { DomainError } from "./errors.ts";

export const QUOTA_NAMES = ["trails", "retentionDays", "reportsStored", "reportsGenerating", "reportTtlHours", "rules"] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];
export type Quotas = Record<QuotaName, number>;

export const DEFAULT_QUOTAS: Readonly<Quotas> = {
  trails: 2,
  retentionDays: 30,
  reportsStored: 5,
  reportsGenerating: 2,
  reportTtlHours: 72,
  rules: 10,
};

/** Upper bounds keep a typo (3650 → 36500) from creating unbounded storage or work. */
export const QUOTA_MAX: Readonly<Quotas> = {
  trails: 100,
  retentionDays: 3650,
  reportsStored: 1000,
  reportsGenerating: 50,
  reportTtlHours: 24 * 365,
  rules: 200,
};

/** Human labels for the console ("the limits shown where they bite"). */
export const QUOTA_LABELS: Readonly<Record<QuotaName, string>> = {
  trails: "trails",
  retentionDays: "days events are kept",
  reportsStored: "reports stored",
  reportsGenerating: "reports generating at once",
  reportTtlHours: "hours a report is kept",
  rules: "event rules",
};

export function isQuotaName(s: unknown): s is QuotaName {
  return typeof s === "string" && (QUOTA_NAMES as readonly string[]).includes(s);
}

/** Overrides with unknown names or invalid values are ignored: a bad row never breaks an account. */
export function effectiveQuotas(overrides: Partial<Record<string, number>>): Quotas {
  const q: Quotas = { ...DEFAULT_QUOTAS };
  for (const name of QUOTA_NAMES) {
    const o = overrides[name];
    if (o !== undefined && isValidQuotaValue(name, o)) q[name] = o;
  }
  return q;
}

export function parseQuotaName(s: unknown): QuotaName {
  if (isQuotaName(s)) return s;
  throw new DomainError("ValidationException", `Unknown limit ${JSON.stringify(s)}. Valid limits: ${QUOTA_NAMES.join(", ")}.`);
}

function isValidQuotaValue(name: QuotaName, n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= QUOTA_MAX[name];
}

export function validateQuotaValue(name: QuotaName, n: unknown): number {
  if (isValidQuotaValue(name, n)) return n;
  throw new DomainError("ValidationException", `The limit ${name} must be a whole number from 1 to ${QUOTA_MAX[name]}.`);
}
