/**
 * The rules endpoints of the console API (issue 17's contract): rules, their secrets, test events,
 * delivery logs and templates. Every call goes through `call`, so errors arrive as ApiError with the
 * server's code and message.
 */
import { call, send } from "./api.ts";
import type { DeliveryStatus, RuleFilter } from "./lib/rules.ts";

export type Rule = {
  name: string;
  filter: RuleFilter;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** "whsec_…abcd": the secret's last characters only. */
  secretHint: string;
  lastDelivery: { at: string; status: DeliveryStatus; responseCode: number | null } | null;
  lastError: { at: string; message: string } | null;
  /** The subscription is inactive: nothing is delivered, and the gap is not made up later. */
  paused: boolean;
  pausedSince?: string | null;
};

export type RulesList = { rules: Rule[]; quota: { used: number; limit: number } };

export type Delivery = {
  id: string;
  eventId: string;
  eventName: string;
  eventTime: string;
  test: boolean;
  status: DeliveryStatus;
  attempts: number;
  responseCode: number | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
};

export type RuleTemplate = { id: string; title: string; description: string; filter: RuleFilter; needs?: "project"[] };

export type RuleInput = { name: string; filter: RuleFilter; url: string; enabled?: boolean };

const path = (name: string) => `/rules/${encodeURIComponent(name)}`;

export const rulesApi = {
  list: (): Promise<RulesList> => call(send("GET", "/rules")),
  get: (name: string): Promise<{ rule: Rule }> => call(send("GET", path(name))),
  create: (input: RuleInput): Promise<{ rule: Rule; secret: string }> => call(send("POST", "/rules", input)),
  update: (name: string, patch: { filter?: RuleFilter; url?: string; enabled?: boolean }): Promise<{ rule: Rule }> => call(send("PATCH", path(name), patch)),
  remove: (name: string): Promise<void> => call(send("DELETE", path(name))),
  rotateSecret: (name: string): Promise<{ secret: string }> => call(send("POST", `${path(name)}/secret`)),
  sendTest: (name: string): Promise<{ delivery: Delivery }> => call(send("POST", `${path(name)}/test`)),
  deliveries: (name: string, nextToken?: string): Promise<{ deliveries: Delivery[]; nextToken: string | null }> =>
    call(send("GET", `${path(name)}/deliveries?${new URLSearchParams(nextToken ? { limit: "50", nextToken } : { limit: "50" })}`)),
  templates: (): Promise<{ templates: RuleTemplate[] }> => call(send("GET", "/rule-templates")),
};
