import { getTrail as get } from "../../trails/service.ts";
import { trailRefParam, trailShape, type CloudTrailMethod } from "../method.ts";

export const getTrail: CloudTrailMethod = {
  name: "GetTrail",
  members: ["Name"],
  async run({ deps, caller }, input) {
    return { Trail: trailShape(await get(deps, caller, trailRefParam(input, "Name"))) };
  },
};
