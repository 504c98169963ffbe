import { startLogging as start } from "../../trails/service.ts";
import { trailRefParam, type CloudTrailMethod } from "../method.ts";

export const startLogging: CloudTrailMethod = {
  name: "StartLogging",
  members: ["Name"],
  async run({ deps, caller }, input) {
    await start(deps, caller, trailRefParam(input, "Name"));
    return {};
  },
};
