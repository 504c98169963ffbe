export * from "./iam.ts";
export * from "./trails.ts";
export * from "./reports.ts";
