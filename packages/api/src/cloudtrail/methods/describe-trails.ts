import { DomainError } from "@activity-log/core";
import { describeTrails as describe } from "../../trails/service.ts";
import { trailShape, type CloudTrailMethod } from "../method.ts";

/** DescribeTrails: all of the account's trails, or those named (unknown names are left out, as AWS does). */
export const describeTrails: CloudTrailMethod = {
  name: "DescribeTrails",
  members: ["trailNameList", "includeShadowTrails"],
  async run({ deps, caller }, input) {
    const names = input.trailNameList;
    if (names !== undefined && names !== null && (!Array.isArray(names) || !names.every((n) => typeof n === "string"))) {
      throw new DomainError("SerializationException", "trailNameList must be a list of trail names or ARNs.");
    }
    if (input.includeShadowTrails !== undefined && typeof input.includeShadowTrails !== "boolean") {
      throw new DomainError("SerializationException", "includeShadowTrails must be true or false.");
    }
    // Trails here are single-region, so there are no shadow trails to include.
    const trails = await describe(deps, caller, (names as string[] | undefined | null) ?? undefined);
    return { trailList: trails.map(trailShape) };
  },
};
