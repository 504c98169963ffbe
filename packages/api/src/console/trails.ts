/**
 * The Trails view over trails/service.ts (the same functions the CloudTrail API calls, with the
 * same checks and error messages). The console differs in one thing only: it creates and starts a
 * trail in one step.
 */
import { getQuotas } from "../db/iam.ts";
import { skippedWindowsOf, type SkippedWindows } from "../db/trails.ts";
import type { AppDeps } from "../deps.ts";
import { createTrail, deleteTrail, listTrails, putEventSelectors, startLogging, stopLogging, type Trail, updateTrail } from "../trails/service.ts";
import { iso } from "./views.ts";
import type { Caller } from "@activity-log/core";

export type ConsoleTrail = {
  name: string;
  arn: string;
  project: string;
  bucket: string;
  prefix: string;
  readWriteType: "All" | "ReadOnly" | "WriteOnly";
  isLogging: boolean;
  startLoggingTime: string | null;
  stopLoggingTime: string | null;
  latestDeliveryTime: string | null;
  latestDeliveryAttemptTime: string | null;
  latestDeliveryError: string | null;
  /** Windows not delivered while the subscription was inactive: the gap SPEC says the status shows. */
  skippedWindows: { windows: number; first: string; last: string } | null;
  createdAt: string;
};

function toConsoleTrail(t: Trail, skipped?: SkippedWindows): ConsoleTrail {
  return {
    name: t.name,
    arn: t.arn,
    project: t.project,
    bucket: t.bucket,
    prefix: t.prefix,
    readWriteType: t.readWriteType,
    isLogging: t.isLogging,
    startLoggingTime: iso(t.startLoggingTime),
    stopLoggingTime: iso(t.stopLoggingTime),
    latestDeliveryTime: iso(t.latestDeliveryTime),
    latestDeliveryAttemptTime: iso(t.latestDeliveryAttemptTime),
    latestDeliveryError: t.latestDeliveryError,
    skippedWindows: skipped ? { windows: skipped.windows, first: skipped.first.toISOString(), last: skipped.last.toISOString() } : null,
    createdAt: t.createdAt.toISOString(),
  };
}

export async function listConsoleTrails(deps: AppDeps, caller: Caller) {
  const [trails, quotas] = await Promise.all([listTrails(deps, caller), getQuotas(deps.database.db, caller.accountId)]);
  const skipped = await skippedWindowsOf(
    deps.database.db,
    trails.map((t) => t.id),
  );
  return { trails: trails.map((t) => toConsoleTrail(t, skipped.get(t.id))), limit: quotas.trails, count: trails.length };
}

type ReadWrite = ConsoleTrail["readWriteType"];

const selectorOf = (readWriteType: ReadWrite) => [{ ReadWriteType: readWriteType, IncludeManagementEvents: true, DataResources: [] }];

export async function createAndStartTrail(
  deps: AppDeps,
  caller: Caller,
  input: { name: string; bucket: string; project?: string | undefined; prefix?: string | undefined; readWriteType?: ReadWrite | undefined },
): Promise<ConsoleTrail> {
  let trail = await createTrail(deps, caller, {
    name: input.name,
    bucket: input.bucket,
    prefix: input.prefix ?? "",
    ...(input.project ? { project: input.project } : {}),
    startLogging: true,
    // The console turns log file validation on, as AWS's console does.
    logFileValidation: true,
  });
  if (input.readWriteType && input.readWriteType !== trail.readWriteType) {
    trail = await putEventSelectors(deps, caller, trail.name, selectorOf(input.readWriteType));
  }
  return toConsoleTrail(trail);
}

export async function updateConsoleTrail(
  deps: AppDeps,
  caller: Caller,
  name: string,
  input: { bucket?: string | undefined; project?: string | undefined; prefix?: string | undefined; readWriteType?: ReadWrite | undefined },
): Promise<ConsoleTrail> {
  const { readWriteType, ...destination } = input;
  const patch = Object.fromEntries(Object.entries(destination).filter(([, x]) => x !== undefined));
  let trail = await updateTrail(deps, caller, name, patch);
  if (readWriteType && readWriteType !== trail.readWriteType) {
    trail = await putEventSelectors(deps, caller, name, selectorOf(readWriteType));
  }
  return toConsoleTrail(trail);
}

export async function setConsoleTrailLogging(deps: AppDeps, caller: Caller, name: string, logging: boolean): Promise<ConsoleTrail> {
  return toConsoleTrail(await (logging ? startLogging : stopLogging)(deps, caller, name));
}

export async function deleteConsoleTrail(deps: AppDeps, caller: Caller, name: string): Promise<void> {
  await deleteTrail(deps, caller, name);
}
