/**
 * `@activity-log/api/console-types` — the console API's types for the SPA's typed client
 * (`hc<ConsoleAppType>`). Types only: the web bundle never includes server code.
 */
export type { ConsoleAppType } from "./router.ts";
