import { DomainError, parseEventSelectors } from "@activity-log/core";
import { eventSelectorsOf, putEventSelectors as put } from "../../trails/service.ts";
import { trailRefParam, type CloudTrailMethod } from "../method.ts";

/** PutEventSelectors: ReadWriteType decides which events the trail saves. */
export const putEventSelectors: CloudTrailMethod = {
  name: "PutEventSelectors",
  members: ["TrailName", "EventSelectors", "AdvancedEventSelectors"],
  async run({ deps, caller }, input) {
    const name = trailRefParam(input, "TrailName");
    if (input.AdvancedEventSelectors !== undefined && input.AdvancedEventSelectors !== null) {
      throw new DomainError(
        "InvalidEventSelectorsException",
        "AdvancedEventSelectors are not supported by Activity Log; use EventSelectors with ReadWriteType.",
      );
    }
    const trail = await put(deps, caller, name, parseEventSelectors(input.EventSelectors));
    return { TrailARN: trail.arn, EventSelectors: eventSelectorsOf(trail) };
  },
};
