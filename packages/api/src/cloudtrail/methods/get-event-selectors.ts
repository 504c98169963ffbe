import { eventSelectorsOf, getTrail } from "../../trails/service.ts";
import { trailRefParam, type CloudTrailMethod } from "../method.ts";

export const getEventSelectors: CloudTrailMethod = {
  name: "GetEventSelectors",
  members: ["TrailName"],
  async run({ deps, caller }, input) {
    const trail = await getTrail(deps, caller, trailRefParam(input, "TrailName"));
    return { TrailARN: trail.arn, EventSelectors: eventSelectorsOf(trail) };
  },
};
