export * from "./iam.ts";
export * from "./trails.ts";
export * from "./reports.ts";
export * from "./event-rollups.ts";
export * from "./rules.ts";
