import { DomainError } from "@activity-log/core";
import { addTags as add } from "../../trails/service.ts";
import type { CloudTrailMethod } from "../method.ts";

/** AddTags: ResourceId is a trail ARN; a key the trail has takes the new value; at most 50 tags. */
export const addTags: CloudTrailMethod = {
  name: "AddTags",
  members: ["ResourceId", "TagsList"],
  async run({ deps, caller }, input) {
    if (input.TagsList === undefined || input.TagsList === null) throw new DomainError("InvalidTagParameterException", "TagsList is required.");
    await add(deps, caller, input.ResourceId, input.TagsList);
    return {};
  },
};
