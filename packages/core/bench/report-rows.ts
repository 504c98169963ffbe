// Rows/s of CSV and JSON report rendering (SPEC: ≥ 100,000 rows/s). Run: bun packages/core/bench/report-rows.ts
import { csvLine, jsonReportRecord, toStoredEvent } from "../src/index.ts";

const e = toStoredEvent(
  {
    eventTime: "2026-11-24T10:00:00Z",
    eventName: "TerminateInstances",
    eventType: "AwsApiCall",
    eventSource: "ec2.amazonaws.com",
    recipientAccountId: "acme",
    project: "prod",
    userName: "alice",
    accessKeyId: "AKIAEXAMPLE",
    sourceIPAddress: "10.0.0.1",
    userAgent: "aws-cli/2.15 Python/3.11",
    requestParameters: { instancesSet: { items: [{ instanceId: "i-0abc" }] } },
    responseElements: { instancesSet: { items: [{ instanceId: "i-0abc", currentState: { code: 32, name: "shutting-down" } }] } },
  },
  { newEventId: () => "0b8c5b3e-1f2a-4c3d-9e8f-0123456789ab", newRequestId: () => "req-1" },
);

const N = 200_000;
for (const [name, render] of [
  ["csv", () => csvLine(e, "eu-1")],
  ["json", () => jsonReportRecord(e, "eu-1", false)],
] as const) {
  let bytes = 0;
  const t = performance.now();
  for (let i = 0; i < N; i++) bytes += render().length;
  const ms = performance.now() - t;
  console.log(`${name}: ${Math.round((N / ms) * 1000).toLocaleString()} rows/s (${bytes} chars)`);
}
