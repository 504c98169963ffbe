import { getTrailStatus as status } from "../../trails/service.ts";
import { epochSeconds, isoString, trailRefParam, type CloudTrailMethod } from "../method.ts";

/** GetTrailStatus with the fields AWS returns: timestamps as epoch seconds, the *Attempt* ones as ISO strings. */
export const getTrailStatus: CloudTrailMethod = {
  name: "GetTrailStatus",
  members: ["Name"],
  async run({ deps, caller }, input) {
    const s = await status(deps, caller, trailRefParam(input, "Name"));
    const out: Record<string, unknown> = {
      IsLogging: s.isLogging,
      LatestDeliveryError: s.latestDeliveryError ?? undefined,
      LatestDeliveryTime: epochSeconds(s.latestDeliveryTime),
      StartLoggingTime: epochSeconds(s.startLoggingTime),
      StopLoggingTime: epochSeconds(s.stopLoggingTime),
      LatestDigestDeliveryTime: epochSeconds(s.latestDigestTime),
      LatestDigestDeliveryError: s.latestDigestError ?? undefined,
      LatestDeliveryAttemptTime: isoString(s.latestDeliveryAttemptTime) ?? "",
      LatestDeliveryAttemptSucceeded: s.latestDeliveryError ? "" : (isoString(s.latestDeliveryTime) ?? ""),
      LatestNotificationAttemptTime: "",
      LatestNotificationAttemptSucceeded: "",
      TimeLoggingStarted: isoString(s.startLoggingTime) ?? "",
      TimeLoggingStopped: isoString(s.stopLoggingTime) ?? "",
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  },
};
