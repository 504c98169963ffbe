import { assertCanUseActivityLog, DomainError, parseEpochSeconds } from "@activity-log/core";
import { signingKeysBetween } from "../../db/signing-keys.ts";
import { epochSeconds, type CloudTrailMethod } from "../method.ts";

/**
 * ListPublicKeys: the region's digest signing keys valid at some time in [StartTime, EndTime]
 * (both default to now). `Value` is a blob of the DER PKCS#1 key (base64 on the wire, as JSON blobs
 * travel; the AWS CLI keeps blobs as sent and its validator base64-decodes it); `Fingerprint` is
 * the hex MD5 of the DER key. One page holds them all (a key a month).
 */
export const listPublicKeys: CloudTrailMethod = {
  name: "ListPublicKeys",
  members: ["StartTime", "EndTime", "NextToken"],
  async run({ deps, caller }, input) {
    assertCanUseActivityLog(caller);
    const now = deps.clock.now();
    const end = parseEpochSeconds(input.EndTime, "EndTime") ?? now;
    const start = parseEpochSeconds(input.StartTime, "StartTime") ?? new Date(Math.min(end.getTime(), now.getTime()));
    if (start > end) throw new DomainError("InvalidTimeRangeException", "StartTime must not be after EndTime.");
    const keys = await signingKeysBetween(deps.database, deps.config.region, start, end);
    return {
      PublicKeyList: keys.map((k) => ({
        Value: k.publicKeyDer,
        ValidityStartTime: epochSeconds(k.validFrom),
        ...(k.validTo ? { ValidityEndTime: epochSeconds(k.validTo) } : {}),
        Fingerprint: k.fingerprint,
      })),
    };
  },
};
