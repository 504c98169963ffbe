/** Console sign-in and sign-out, as the sign-in service records them. */
import { SIGN_IN_EVENT_SOURCE } from "@activity-log/core";
import type { Actor } from "./actors.ts";
import { emit, type TrafficContext } from "./context.ts";
import type { Project } from "./world.ts";

const LOGIN_DATA = { MFAUsed: "No", LoginTo: "https://console.k2.cloud/" };

export function signIn(ctx: TrafficContext, at: number, actor: Actor, project: Project): void {
  emit(ctx, at, actor, project, "ConsoleLogin", {
    eventType: "AwsConsoleSignIn",
    eventSource: SIGN_IN_EVENT_SOURCE,
    responseElements: { ConsoleLogin: "Success" },
    additionalEventData: { ...LOGIN_DATA },
  });
}

/** A mistyped password: recorded in the default project, without an access key. */
export function failedSignIn(ctx: TrafficContext, at: number, actor: Actor): void {
  emit(ctx, at, actor, "default", "ConsoleLogin", {
    eventType: "AwsConsoleSignIn",
    eventSource: SIGN_IN_EVENT_SOURCE,
    responseElements: { ConsoleLogin: "Failure" },
    additionalEventData: { ...LOGIN_DATA },
    error: { code: "UnauthorizedException", message: "Failed authentication" },
    accessKeyId: null,
  });
}

export function signOut(ctx: TrafficContext, at: number, actor: Actor, project: Project): void {
  emit(ctx, at, actor, project, "ConsoleLogout", {
    eventType: "AwsConsoleSignOut",
    eventSource: SIGN_IN_EVENT_SOURCE,
    responseElements: { ConsoleLogout: "Success" },
  });
}

/** The session timed out instead. */
export function autoSignOut(ctx: TrafficContext, at: number, actor: Actor, project: Project): void {
  emit(ctx, at, actor, project, "ConsoleLogout", { eventType: "AwsConsoleAutoSignOut", eventSource: SIGN_IN_EVENT_SOURCE });
}
