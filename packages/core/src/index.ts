// Public surface of @activity-log/core: pure domain rules, no I/O.
export * from "./errors.ts";
export * from "./read-only.ts";
export * from "./resources.ts";
export * from "./event.ts";
export * from "./event-sources.ts";
export * from "./redaction.ts";
export * from "./lookup.ts";
export * from "./histogram.ts";
export * from "./access.ts";
export * from "./iam.ts";
export * from "./limits.ts";
export * from "./trail.ts";
export * from "./report.ts";
export * from "./digest.ts";
export * from "./console-session.ts";
export * from "./time.ts";
export * from "./retention.ts";
