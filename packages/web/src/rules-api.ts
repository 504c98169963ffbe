/**
 * The rules endpoints of the console API through the typed client (issue 17's contract): rules,
 * their secrets, test events, delivery logs and templates. Every call goes through `call`, so errors
 * arrive as ApiError with the server's code and message.
 */
import type { RuleFilter } from "@activity-log/core";
import type { InferResponseType } from "hono/client";
import { api, call } from "./api.ts";

type RulesList = InferResponseType<typeof api.rules.$get, 200>;
export type Rule = RulesList["rules"][number];
export type Delivery = InferResponseType<(typeof api.rules)[":name"]["deliveries"]["$get"], 200>["deliveries"][number];
export type RuleTemplate = InferResponseType<(typeof api)["rule-templates"]["$get"], 200>["templates"][number];
export type RuleInput = { name: string; filter: RuleFilter; url: string; enabled?: boolean };

/** The delivery log's page size. */
export const DELIVERIES_PAGE = 50;

export const rulesApi = {
  list: () => call(api.rules.$get()),
  get: (name: string) => call(api.rules[":name"].$get({ param: { name } })),
  create: (input: RuleInput) => call(api.rules.$post({ json: input })),
  update: (name: string, patch: { filter?: RuleFilter; url?: string; enabled?: boolean }) => call(api.rules[":name"].$patch({ param: { name }, json: patch })),
  remove: (name: string) => call(api.rules[":name"].$delete({ param: { name } })),
  rotateSecret: (name: string) => call(api.rules[":name"].secret.$post({ param: { name } })),
  sendTest: (name: string) => call(api.rules[":name"].test.$post({ param: { name } })),
  deliveries: (name: string, nextToken?: string) =>
    call(
      api.rules[":name"].deliveries.$get({
        param: { name },
        query: nextToken ? { limit: DELIVERIES_PAGE, nextToken } : { limit: DELIVERIES_PAGE },
      }),
    ),
  templates: () => call(api["rule-templates"].$get()),
};
