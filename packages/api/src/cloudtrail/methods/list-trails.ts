import { DomainError } from "@activity-log/core";
import { listTrails as list } from "../../trails/service.ts";
import type { CloudTrailMethod } from "../method.ts";

/** ListTrails: every trail of the account fits on one page (the quota is small), so no NextToken. */
export const listTrails: CloudTrailMethod = {
  name: "ListTrails",
  members: ["NextToken"],
  async run({ deps, caller }, input) {
    if (input.NextToken !== undefined && input.NextToken !== null) {
      // ListTrails's model lists no token error, so the common input error answers.
      throw new DomainError("ValidationException", "ListTrails never returns a NextToken, so none can be given back.");
    }
    const trails = await list(deps, caller);
    return { Trails: trails.map((t) => ({ TrailARN: t.arn, Name: t.name, HomeRegion: t.region })) };
  },
};
