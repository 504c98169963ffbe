/**
 * The eventSource of this service's own calls, by entry point: each is recorded as an event like
 * any other service's call, and readers (resources, the console, the demo) recognise them by these.
 */

/** The CloudTrail-compatible API (`POST /`), as AWS names it. */
export const CLOUDTRAIL_EVENT_SOURCE = "cloudtrail.amazonaws.com";
/** Console sign-in, sign-out and automatic sign-out, as AWS names them. */
export const SIGN_IN_EVENT_SOURCE = "signin.amazonaws.com";
/** The console's own API (/api/v1). */
export const CONSOLE_EVENT_SOURCE = "activitylog.console";
/** The operator API behind `bun run admin`. */
export const OPERATOR_EVENT_SOURCE = "activitylog.operator";
