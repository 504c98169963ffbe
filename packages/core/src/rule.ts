// Event rules: names, the filter (the Events view's model plus any-of event names) and the one
// matcher deciding whether an event is a rule's — the same answer the events query gives for the filter.
import { DomainError } from "./errors.ts";
import type { StoredEvent } from "./event.ts";
import type { EventFilter } from "./lookup.ts";
import { MAX_SEARCH_LENGTH, MIN_SEARCH_LENGTH } from "./lookup.ts";
import { hasLoneSurrogate, hasNul } from "./recordable.ts";

export const RULE_NAME_LENGTH = { min: 3, max: 128 } as const;
/** The rule-name rule in a line, for forms (the trail-name rule). */
export const RULE_NAME_HINT = `${RULE_NAME_LENGTH.min}–${RULE_NAME_LENGTH.max} letters, digits, . _ -; starts and ends with a letter or digit.`;

/** Why a rule name is invalid, or null when it is fine. Names follow the trail-name rules. */
export function ruleNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || name.length === 0) return "Rule name is required.";
  if (name.length < RULE_NAME_LENGTH.min || name.length > RULE_NAME_LENGTH.max)
    return `Rule name must be ${RULE_NAME_LENGTH.min} to ${RULE_NAME_LENGTH.max} characters long.`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return "Rule name may contain only ASCII letters, digits, periods (.), underscores (_) and dashes (-).";
  if (!/^[A-Za-z0-9]/.test(name) || !/[A-Za-z0-9]$/.test(name)) return "Rule name must start and end with a letter or digit.";
  if (/[._-]{2}/.test(name)) return "Rule name must not have adjacent periods, underscores or dashes (such as my-_rule or my..rule).";
  return null;
}

export function validateRuleName(name: unknown): string {
  const problem = ruleNameProblem(name);
  if (problem !== null) throw new DomainError("InvalidRuleNameException", problem);
  return name as string;
}

/** The Events view's filter without eventId (a rule about one past event means nothing), plus any-of names. */
export type RuleFilter = Omit<EventFilter, "eventId"> & { eventNames?: string[] };

export const MAX_RULE_EVENT_NAMES = 20;

/** Text attributes of a rule filter and their longest value (as the console's filter fields allow). */
const TEXT_FIELDS = {
  eventName: 128,
  userName: 128,
  resourceName: 2000,
  resourceType: 256,
  eventSource: 128,
  accessKeyId: 128,
  project: 64,
} as const satisfies Partial<Record<keyof RuleFilter, number>>;
type TextField = keyof typeof TEXT_FIELDS;
const TEXT_FIELD_NAMES = Object.keys(TEXT_FIELDS) as TextField[];
const RULE_FILTER_KEYS = [...TEXT_FIELD_NAMES, "readOnly", "errorsOnly", "search", "eventNames"] as const;

function badFilter(message: string): DomainError {
  return new DomainError("InvalidEventFilterException", message);
}

function textProblem(value: string, max: number): string | null {
  if (value.length > max) return `must be at most ${max} characters`;
  if (hasNul(value)) return "must not contain the NUL character (U+0000)";
  // Stored text never holds a lone surrogate (recorded text has U+FFFD): such a value could match nothing.
  if (hasLoneSurrogate(value)) return "must not contain a lone surrogate (invalid UTF-16, e.g. \\ud800)";
  return null;
}

/**
 * Validates a rule's filter. An empty string (an empty form field) or null means "any"; unknown
 * members are refused (a misspelt attribute would otherwise silently match everything).
 */
export function parseRuleFilter(input: unknown): RuleFilter {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) throw badFilter("filter must be an object of event attributes.");
  const raw = input as Record<string, unknown>;
  const filter: RuleFilter = {};
  for (const key of Object.keys(raw)) {
    if (key === "eventId") throw badFilter("filter.eventId is not allowed in a rule: a rule matches events still to come.");
    if (!(RULE_FILTER_KEYS as readonly string[]).includes(key)) throw badFilter(`filter.${key} is not a filter attribute; use ${RULE_FILTER_KEYS.join(", ")}.`);
  }
  for (const key of TEXT_FIELD_NAMES) {
    const value = raw[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") throw badFilter(`filter.${key} must be a string.`);
    const problem = textProblem(value, TEXT_FIELDS[key]);
    if (problem) throw badFilter(`filter.${key} ${problem}.`);
    filter[key] = value;
  }
  for (const key of ["readOnly", "errorsOnly"] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "boolean") throw badFilter(`filter.${key} must be true or false.`);
    if (key === "readOnly") filter.readOnly = value;
    else if (value) filter.errorsOnly = true;
  }
  const search = raw.search;
  if (search !== undefined && search !== null && search !== "") {
    if (typeof search !== "string") throw badFilter("filter.search must be a string.");
    const length = [...search].length;
    if (length < MIN_SEARCH_LENGTH || length > MAX_SEARCH_LENGTH)
      throw badFilter(`filter.search must be ${MIN_SEARCH_LENGTH} to ${MAX_SEARCH_LENGTH} characters (it is matched case-sensitively anywhere in the event).`);
    const problem = textProblem(search, MAX_SEARCH_LENGTH * 2);
    if (problem) throw badFilter(`filter.search ${problem}.`);
    filter.search = search;
  }
  const names = raw.eventNames;
  if (names !== undefined && names !== null) {
    if (!Array.isArray(names)) throw badFilter("filter.eventNames must be a list of event names.");
    if (names.length > MAX_RULE_EVENT_NAMES) throw badFilter(`filter.eventNames may list at most ${MAX_RULE_EVENT_NAMES} event names.`);
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (typeof n !== "string" || n.length === 0) throw badFilter(`filter.eventNames[${i}] must be a non-empty string.`);
      const problem = textProblem(n, TEXT_FIELDS.eventName);
      if (problem) throw badFilter(`filter.eventNames[${i}] ${problem}.`);
      seen.add(n);
    });
    if (seen.size > 0) filter.eventNames = [...seen];
  }
  return filter;
}

/** The fields of an event a rule looks at; `searchText` is the stored one (what the search query scans). */
export type MatchableEvent = Pick<
  StoredEvent,
  "eventName" | "readOnly" | "userName" | "eventSource" | "accessKeyId" | "project" | "errorCode" | "resources" | "resourceIds" | "searchText"
>;

/**
 * Whether an event matches a rule's filter: attributes ANDed, each exactly as the events query
 * (api's db/events.ts buildWhere) tests it — equality for text attributes, `error_code is not null`
 * for errorsOnly, the resource id list containing resourceName, a resource of type resourceType,
 * and a case-sensitive substring of the stored search text; eventNames is any-of.
 */
export function ruleMatches(filter: RuleFilter, e: MatchableEvent): boolean {
  if (filter.eventName !== undefined && e.eventName !== filter.eventName) return false;
  if (filter.eventNames !== undefined && filter.eventNames.length > 0 && !filter.eventNames.includes(e.eventName)) return false;
  if (filter.readOnly !== undefined && e.readOnly !== filter.readOnly) return false;
  if (filter.userName !== undefined && e.userName !== filter.userName) return false;
  if (filter.eventSource !== undefined && e.eventSource !== filter.eventSource) return false;
  if (filter.accessKeyId !== undefined && e.accessKeyId !== filter.accessKeyId) return false;
  if (filter.project !== undefined && e.project !== filter.project) return false;
  if (filter.errorsOnly && e.errorCode === null) return false;
  if (filter.resourceName !== undefined && !e.resourceIds.includes(filter.resourceName)) return false;
  if (filter.resourceType !== undefined && !e.resources.some((r) => r.type === filter.resourceType)) return false;
  if (filter.search !== undefined && !e.searchText.includes(filter.search)) return false;
  return true;
}

/** A filter offered on create; `needs` names what the user must fill in first. */
export type RuleTemplate = {
  id: string;
  title: string;
  description: string;
  filter: RuleFilter;
  needs?: "project"[];
};

export const RULE_TEMPLATES: readonly RuleTemplate[] = [
  {
    id: "audit-trail-tampering",
    title: "Audit trail tampering",
    description: "Someone stops, deletes or changes a trail, or changes what it records.",
    filter: { eventNames: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"] },
  },
  {
    id: "failed-console-sign-ins",
    title: "Failed console sign-ins",
    description: "A console sign-in fails (a wrong password, a disabled user, a throttled guesser).",
    filter: { eventName: "ConsoleLogin", errorsOnly: true },
  },
  {
    id: "terminated-instances",
    title: "Instances terminated in a project",
    description: "TerminateInstances is called in the project you choose.",
    filter: { eventName: "TerminateInstances" },
    needs: ["project"],
  },
];
