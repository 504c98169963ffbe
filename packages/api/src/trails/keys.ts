import { createHash } from "node:crypto";
import { archiveKey, type DeliveryWindow, digestKey } from "@activity-log/core";
import type { TrailRow } from "../db/trails.ts";

/**
 * Object keys of a trail's files, shared by the worker (which writes them) and validate-trail
 * (which tells this trail's archives from other trails' writing to the same bucket and prefix).
 */

/** The deterministic object key of a trail's window: a retry overwrites, never duplicates. */
export function windowObjectKey(
  trail: Pick<TrailRow, "id" | "prefix" | "accountId" | "region">,
  window: Pick<DeliveryWindow, "start"> & Partial<DeliveryWindow>,
): string {
  const id = createHash("sha256").update(`${trail.id}:${window.start.toISOString()}`).digest("hex").slice(0, 16);
  return archiveKey({ prefix: trail.prefix, accountId: trail.accountId, region: trail.region, windowStart: window.start, id });
}

/** The key of a trail's digest for the hour starting at `hourStart`. */
export function trailDigestKey(trail: Pick<TrailRow, "prefix" | "accountId" | "region" | "name">, hourStart: Date): string {
  return digestKey({ prefix: trail.prefix, accountId: trail.accountId, region: trail.region, trailName: trail.name, hourStart });
}
