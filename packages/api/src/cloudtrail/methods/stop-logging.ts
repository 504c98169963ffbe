import { stopLogging as stop } from "../../trails/service.ts";
import { trailRefParam, type CloudTrailMethod } from "../method.ts";

export const stopLogging: CloudTrailMethod = {
  name: "StopLogging",
  members: ["Name"],
  async run({ deps, caller }, input) {
    await stop(deps, caller, trailRefParam(input, "Name"));
    return {};
  },
};
