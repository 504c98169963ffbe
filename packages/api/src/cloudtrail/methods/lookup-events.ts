import { DomainError, filterFromLookupAttributes, parseEpochSeconds, toLookupEvent, validateMaxResults } from "@activity-log/core";
import { queryEventPage } from "../../events/query-service.ts";
import { epochSeconds, type CloudTrailMethod } from "../method.ts";

/** LookupEvents on the shared query engine: attributes ANDed, newest first, signed page tokens. */
export const lookupEvents: CloudTrailMethod = {
  name: "LookupEvents",
  members: ["LookupAttributes", "StartTime", "EndTime", "EventCategory", "MaxResults", "NextToken"],
  async run({ deps, caller, quotas }, input) {
    const filter = filterFromLookupAttributes(input.LookupAttributes);
    const start = parseEpochSeconds(input.StartTime, "StartTime");
    const end = parseEpochSeconds(input.EndTime, "EndTime");
    const maxResults = validateMaxResults(input.MaxResults);
    const nextToken = input.NextToken;
    if (nextToken !== undefined && nextToken !== null && typeof nextToken !== "string") {
      throw new DomainError("InvalidNextTokenException", "NextToken must be the string a previous LookupEvents returned.");
    }
    const category = input.EventCategory;
    if (category !== undefined && category !== null && category !== "insight") {
      throw new DomainError(
        "InvalidEventCategoryException",
        `EventCategory must be insight (or absent, for management events); got ${JSON.stringify(category)}.`,
      );
    }
    // Insights events are a valid question with, here, no answers yet: Activity Log does not generate them.
    if (category === "insight") return { Events: [] };
    const page = await queryEventPage(deps, {
      accountId: caller.accountId,
      retentionDays: quotas.retentionDays,
      filter,
      start,
      end,
      maxResults,
      nextToken: nextToken ?? undefined,
    });
    return {
      Events: page.events.map((e) => ({ ...toLookupEvent(e, deps.config.region), EventTime: epochSeconds(e.eventTime) })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  },
};
