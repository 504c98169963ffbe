import { DomainError, filterFromLookupAttributes, parseEpochSeconds, toLookupEvent, validateMaxResults } from "@activity-log/core";
import { queryEventPage } from "../../events/query-service.ts";
import { epochSeconds, type CloudTrailMethod } from "../method.ts";

/** LookupEvents on the shared query engine: attributes ANDed, newest first, signed page tokens. */
export const lookupEvents: CloudTrailMethod = {
  name: "LookupEvents",
  async run({ deps, caller, quotas }, input) {
    const filter = filterFromLookupAttributes(input.LookupAttributes);
    const start = parseEpochSeconds(input.StartTime, "StartTime");
    const end = parseEpochSeconds(input.EndTime, "EndTime");
    const maxResults = validateMaxResults(input.MaxResults);
    const nextToken = input.NextToken;
    if (nextToken !== undefined && nextToken !== null && typeof nextToken !== "string") {
      throw new DomainError("InvalidNextTokenException", "NextToken must be the string a previous LookupEvents returned.");
    }
    if (input.EventCategory !== undefined && input.EventCategory !== null) {
      throw new DomainError(
        "InvalidParameterException",
        "EventCategory (Insights events) is not supported by Activity Log; omit it to look up management events.",
      );
    }
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
