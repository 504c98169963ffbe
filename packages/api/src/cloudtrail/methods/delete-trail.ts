import { deleteTrail as remove } from "../../trails/service.ts";
import { trailRefParam, type CloudTrailMethod } from "../method.ts";

/** DeleteTrail: the configuration goes; archives already delivered stay in the bucket. */
export const deleteTrail: CloudTrailMethod = {
  name: "DeleteTrail",
  members: ["Name"],
  async run({ deps, caller }, input) {
    await remove(deps, caller, trailRefParam(input, "Name"));
    return {};
  },
};
