// The worker's public surface (used by `bun run start` and tests of other packages).
export { runOnce, startWorkerLoop, parseWorkerArgs, type RunSummary, type WorkerLoop, type WorkerLoopOptions } from "./main.ts";
export { deliverTrails, windowObjectKey, type TrailDeliveryOptions, type TrailDeliverySummary } from "./trails.ts";
export { generateReports, generateReport } from "./reports.ts";
export { runRetention } from "./retention.ts";
