import type { AppDeps } from "../deps.ts";
import type { CallRecord } from "../http-context.ts";
import { serviceBase } from "../service-base.ts";

export type TestApp = ReturnType<typeof serviceBase>;

/**
 * The service's own base — per-request context, /healthz, recording of every call, the one error
 * mapper (service-base.ts) — with only the routes under test, mounted by `mount`. `onCall` sees
 * each request's call record once the response (or error) is decided.
 *
 *   testApp(deps, (app) => app.route("/internal/v1/events", ingestRouter()))
 */
export function testApp(deps: AppDeps, mount: (app: TestApp) => unknown = () => {}, options: { onCall?: (call: CallRecord) => void } = {}): TestApp {
  const app = serviceBase(deps);
  const { onCall } = options;
  if (onCall)
    app.use(async (c, next) => {
      await next();
      onCall(c.get("call"));
    });
  mount(app);
  return app;
}
