import type { CloudTrailMethod } from "../method.ts";
import { addTags } from "./add-tags.ts";
import { createTrail } from "./create-trail.ts";
import { deleteTrail } from "./delete-trail.ts";
import { describeTrails } from "./describe-trails.ts";
import { getEventSelectors } from "./get-event-selectors.ts";
import { getTrailStatus } from "./get-trail-status.ts";
import { getTrail } from "./get-trail.ts";
import { listPublicKeys } from "./list-public-keys.ts";
import { listTags } from "./list-tags.ts";
import { listTrails } from "./list-trails.ts";
import { lookupEvents } from "./lookup-events.ts";
import { putEventSelectors } from "./put-event-selectors.ts";
import { removeTags } from "./remove-tags.ts";
import { startLogging } from "./start-logging.ts";
import { stopLogging } from "./stop-logging.ts";
import { updateTrail } from "./update-trail.ts";

/** The operations this service answers, by their X-Amz-Target name. */
export const METHODS: ReadonlyMap<string, CloudTrailMethod> = new Map(
  [
    lookupEvents,
    createTrail,
    updateTrail,
    deleteTrail,
    describeTrails,
    getTrail,
    listTrails,
    getTrailStatus,
    startLogging,
    stopLogging,
    getEventSelectors,
    putEventSelectors,
    addTags,
    listTags,
    removeTags,
    listPublicKeys,
  ].map((m) => [m.name, m]),
);
