import { updateTrail as update } from "../../trails/service.ts";
import {
  optionalBoolean,
  refuseUnsupported,
  trailRefParam,
  TRAIL_SETTING_MEMBERS,
  trailShape,
  UNSUPPORTED_TRAIL_FIELDS,
  type CloudTrailMethod,
} from "../method.ts";

/** UpdateTrail: a new bucket (or prefix) is checked with the caller's key, which deliveries then use. */
export const updateTrail: CloudTrailMethod = {
  name: "UpdateTrail",
  members: TRAIL_SETTING_MEMBERS,
  async run({ deps, caller }, input) {
    refuseUnsupported(input, UNSUPPORTED_TRAIL_FIELDS);
    const trail = await update(deps, caller, trailRefParam(input, "Name"), {
      bucket: input.S3BucketName ?? undefined,
      prefix: input.S3KeyPrefix ?? undefined,
      isMultiRegionTrail: optionalBoolean(input, "IsMultiRegionTrail"),
      includeGlobalServiceEvents: optionalBoolean(input, "IncludeGlobalServiceEvents"),
      logFileValidation: optionalBoolean(input, "EnableLogFileValidation"),
    });
    const { HomeRegion: _home, HasCustomEventSelectors: _custom, HasInsightSelectors: _insight, ...shape } = trailShape(trail);
    return shape;
  },
};
