import { DomainError } from "@activity-log/core";
import { removeTags as remove } from "../../trails/service.ts";
import type { CloudTrailMethod } from "../method.ts";

/** RemoveTags: the listed keys leave the trail (values are not compared; unknown keys are ignored). */
export const removeTags: CloudTrailMethod = {
  name: "RemoveTags",
  members: ["ResourceId", "TagsList"],
  async run({ deps, caller }, input) {
    if (input.TagsList === undefined || input.TagsList === null) throw new DomainError("InvalidTagParameterException", "TagsList is required.");
    await remove(deps, caller, input.ResourceId, input.TagsList);
    return {};
  },
};
