import { DomainError } from "@activity-log/core";
import { listTags as list } from "../../trails/service.ts";
import type { CloudTrailMethod } from "../method.ts";

/** AWS's limit on one ListTags call. */
const MAX_RESOURCE_IDS = 20;

/** ListTags: the tags of up to 20 trail ARNs; all fit on one page, so no NextToken. */
export const listTags: CloudTrailMethod = {
  name: "ListTags",
  members: ["ResourceIdList", "NextToken"],
  async run({ deps, caller }, input) {
    const ids = input.ResourceIdList;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string")) {
      throw new DomainError("ValidationException", "ResourceIdList is required: a list of 1 to 20 trail ARNs.");
    }
    if (ids.length > MAX_RESOURCE_IDS)
      throw new DomainError("ValidationException", `ResourceIdList may name at most ${MAX_RESOURCE_IDS} trails; it has ${ids.length}.`);
    if (input.NextToken !== undefined && input.NextToken !== null) {
      throw new DomainError("InvalidTokenException", "ListTags never returns a NextToken, so none can be given back.");
    }
    const tagged = await list(deps, caller, ids);
    return { ResourceTagList: tagged.map((t) => ({ ResourceId: t.arn, TagsList: t.tags })) };
  },
};
