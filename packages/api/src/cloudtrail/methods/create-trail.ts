import { createTrail as create } from "../../trails/service.ts";
import { optionalBoolean, refuseUnsupported, TRAIL_SETTING_MEMBERS, trailShape, UNSUPPORTED_TRAIL_FIELDS, type CloudTrailMethod } from "../method.ts";

/** CreateTrail: checks the bucket with the caller's own key; the new trail is not logging yet. */
export const createTrail: CloudTrailMethod = {
  name: "CreateTrail",
  members: [...TRAIL_SETTING_MEMBERS, "TagsList"],
  async run({ deps, caller }, input) {
    refuseUnsupported(input, UNSUPPORTED_TRAIL_FIELDS);
    const trail = await create(deps, caller, {
      name: input.Name,
      bucket: input.S3BucketName,
      prefix: input.S3KeyPrefix,
      isMultiRegionTrail: optionalBoolean(input, "IsMultiRegionTrail"),
      includeGlobalServiceEvents: optionalBoolean(input, "IncludeGlobalServiceEvents"),
      tags: input.TagsList,
      logFileValidation: optionalBoolean(input, "EnableLogFileValidation"),
    });
    const { HomeRegion: _home, HasCustomEventSelectors: _custom, HasInsightSelectors: _insight, ...shape } = trailShape(trail);
    return shape;
  },
};
