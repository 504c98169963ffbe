/**
 * The console API (/api/v1) behind the SPA. Sessions come from auth/session.ts; access and
 * subscription follow the same core rule as the CloudTrail API; queries, trails and reports go
 * through the same services the CloudTrail API and the worker use, so the console can never disagree
 * with them. Every call fills the call record (source `activitylog.console`) and is recorded.
 * Routes are chained so `ConsoleAppType` carries every path and shape to the SPA's `hc` client.
 */
import { assertCanUseActivityLog, CONSOLE_EVENT_SOURCE, DomainError, isActivityLogAdmin, SIGN_IN_EVENT_SOURCE } from "@activity-log/core";
import { Hono, type MiddlewareHandler } from "hono";
import * as v from "valibot";
import { clearSessionCookie, type OpenSession, requireSession, setSessionCookie, signIn, signOut } from "../auth/session.ts";
import { getQuotas, listProjects, resolveAccount } from "../db/iam.ts";
import { sourceIpOf } from "../source-ip.ts";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../http-context.ts";
import { consoleSecurityHeaders } from "../web-assets.ts";
import { openApiDocument } from "./openapi.ts";
import { consoleEvents, consoleFacets, consoleHistogram, eventDetails } from "./events.ts";
import { createConsoleReport, deleteConsoleReport, downloadReport, listConsoleReports } from "./reports.ts";
import {
  createConsoleRule,
  deleteConsoleRule,
  getConsoleRule,
  listConsoleDeliveries,
  listConsoleRules,
  recordedRuleInput,
  rotateRuleSecret,
  ruleTemplates,
  testConsoleRule,
  updateConsoleRule,
} from "./rules.ts";
import { createAndStartTrail, deleteConsoleTrail, listConsoleTrails, setConsoleTrailLogging, updateConsoleTrail } from "./trails.ts";
import { jsonInput, paramInput, queryInput } from "../input-validation.ts";
import { createRateLimiter, DEFAULT_CONSOLE_RATE_LIMIT, type RateLimiter } from "../cloudtrail/rate-limit.ts";
import {
  DeliveriesQuerySchema,
  EventsQuerySchema,
  FilterQuerySchema,
  IdParam,
  NameParam,
  ReportRequestSchema,
  RuleCreateSchema,
  RuleUpdateSchema,
  SignInSchema,
  TrailCreateSchema,
  TrailUpdateSchema,
  UuidParam,
} from "./validation.ts";

type ConsoleEnv = AppEnv & { Variables: { session: OpenSession } };

/** Names the call before anything can fail, so refused calls are recorded under their own name. */
function named(eventName: string, readOnly: boolean): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const call = c.get("call");
    call.eventName = eventName;
    call.eventSource = CONSOLE_EVENT_SOURCE;
    call.eventType = "AwsApiCall";
    call.readOnly = readOnly;
    await next();
  };
}

/** ActivityLogAdministrators in any project, and an active subscription (core's one rule). */
const requireAccess: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  assertCanUseActivityLog(c.get("session").caller);
  await next();
};

/**
 * Per-session rate limit (the CloudTrail API limits per account): one signed-in browser or script
 * cannot flood the queries behind the console. ThrottlingException (429, Retry-After) when exceeded.
 */
function sessionRateLimit(): MiddlewareHandler<ConsoleEnv> {
  const limiters = new WeakMap<AppDeps, RateLimiter>();
  return async (c, next) => {
    const deps = c.get("deps");
    let limiter = limiters.get(deps);
    if (!limiter) {
      limiter = createRateLimiter(deps.consoleRateLimit ?? DEFAULT_CONSOLE_RATE_LIMIT);
      limiters.set(deps, limiter);
    }
    if (!limiter.take(c.get("session").tokenHash, deps.clock.now().getTime())) {
      throw new DomainError("ThrottlingException", "Rate exceeded: too many requests from this session; slow down and retry.", { retryAfterSeconds: 1 });
    }
    await next();
  };
}

const signedIn = requireSession();
const limited = sessionRateLimit();
const session = [signedIn, limited] as const;

/** A read of the section: named, signed in, allowed. */
const reading = (eventName: string) => [named(eventName, true), ...session, requireAccess] as const;
/** A change: the same, and the CSRF token is checked by requireSession for these methods. */
const changing = (eventName: string) => [named(eventName, false), ...session, requireAccess] as const;

export function consoleRouter() {
  return (
    new Hono<ConsoleEnv>()
      .use(consoleSecurityHeaders)
      // ---- session ----
      .post("/session", jsonInput(SignInSchema), async (c) => {
        const input = c.req.valid("json");
        const deps = c.get("deps");
        const call = c.get("call");
        Object.assign(call, {
          eventName: "ConsoleLogin",
          eventSource: SIGN_IN_EVENT_SOURCE,
          eventType: "AwsConsoleSignIn",
          readOnly: false,
          userName: input.user,
          accessKeyId: null,
          requestParameters: null,
          additionalEventData: { MFAUsed: "No", LoginTo: "activity-log-console" },
        });
        try {
          // Attempts against an existing account (named by its alias) are its events; unknown accounts have nowhere to go.
          const signed = await signIn(deps, input, { sourceIp: sourceIpOf(c), userAgent: c.req.header("user-agent") ?? null }, (account) => {
            call.accountId = account.accountId;
          });
          call.project = signed.caller.project;
          call.responseElements = { ConsoleLogin: "Success" };
          setSessionCookie(c, signed.token);
          return c.json({
            csrfToken: signed.csrfToken,
            user: { name: signed.caller.userName },
            account: signed.account.alias,
            accountId: signed.caller.accountId,
            expiresAt: signed.expiresAt.toISOString(),
          });
        } catch (err) {
          call.responseElements = { ConsoleLogin: "Failure" };
          throw err;
        }
      })
      .delete("/session", ...session, async (c) => {
        const s = c.get("session");
        Object.assign(c.get("call"), {
          eventName: "ConsoleLogout",
          eventSource: SIGN_IN_EVENT_SOURCE,
          eventType: "AwsConsoleSignOut",
          readOnly: false,
          responseElements: { ConsoleLogout: "Success" },
        });
        await signOut(c.get("deps"), s.tokenHash);
        clearSessionCookie(c);
        return c.json({ signedOut: true });
      })
      // ---- who am I (answered even without access, so the SPA can show the right page) ----
      .get("/me", named("GetConsoleSession", true), ...session, async (c) => {
        const { caller, csrfToken } = c.get("session");
        const { db } = c.get("deps").database;
        // Outside ActivityLogAdministrators: who they are and that they have no access, nothing of the account.
        if (!isActivityLogAdmin(caller)) {
          return c.json({
            user: { name: caller.userName },
            account: (await resolveAccount(db, caller.accountId)).alias,
            accountId: caller.accountId,
            access: { admin: false as const },
            csrfToken,
            now: c.get("deps").clock.now().toISOString(),
          });
        }
        const [projects, quotas, account] = await Promise.all([
          listProjects(db, caller.accountId),
          getQuotas(db, caller.accountId),
          resolveAccount(db, caller.accountId),
        ]);
        return c.json({
          user: { name: caller.userName },
          /** The alias, as the user typed it at sign-in; the 12-digit id beside it. */
          account: account.alias,
          accountId: caller.accountId,
          project: caller.project,
          projects,
          access: { admin: true as const },
          subscription: { active: caller.subscriptionActive },
          quotas,
          region: c.get("deps").config.region,
          csrfToken,
          now: c.get("deps").clock.now().toISOString(),
        });
      })
      // ---- events ----
      .get("/events", ...reading("LookupEvents"), queryInput(EventsQuerySchema), async (c) => {
        const query = c.req.valid("query");
        c.get("call").requestParameters = requestParametersOf(query);
        return c.json(await consoleEvents(c.get("deps"), c.get("session").caller, query));
      })
      .get("/events/:id", ...reading("GetEvent"), paramInput(IdParam), async (c) => {
        const { id } = c.req.valid("param");
        c.get("call").requestParameters = { eventId: id };
        return c.json(await eventDetails(c.get("deps"), c.get("session").caller, id));
      })
      .get("/histogram", ...reading("GetEventHistogram"), queryInput(FilterQuerySchema), async (c) => {
        const query = c.req.valid("query");
        c.get("call").requestParameters = requestParametersOf(query);
        return c.json(await consoleHistogram(c.get("deps"), c.get("session").caller, query));
      })
      .get("/facets", ...reading("GetEventFacets"), queryInput(FilterQuerySchema), async (c) => {
        const query = c.req.valid("query");
        c.get("call").requestParameters = requestParametersOf(query);
        return c.json(await consoleFacets(c.get("deps"), c.get("session").caller, query));
      })
      // ---- trails ----
      .get("/trails", ...reading("DescribeTrails"), async (c) => {
        return c.json(await listConsoleTrails(c.get("deps"), c.get("session").caller));
      })
      .post("/trails", ...changing("CreateTrail"), jsonInput(TrailCreateSchema), async (c) => {
        const input = c.req.valid("json");
        c.get("call").requestParameters = { ...input };
        const trail = await createAndStartTrail(c.get("deps"), c.get("session").caller, input);
        c.get("call").responseElements = { trailARN: trail.arn };
        return c.json(trail, 201);
      })
      .patch("/trails/:name", ...changing("UpdateTrail"), paramInput(NameParam), jsonInput(TrailUpdateSchema), async (c) => {
        const { name } = c.req.valid("param");
        const input = c.req.valid("json");
        c.get("call").requestParameters = { name, ...input };
        const trail = await updateConsoleTrail(c.get("deps"), c.get("session").caller, name, input);
        c.get("call").responseElements = { trailARN: trail.arn };
        return c.json(trail);
      })
      .delete("/trails/:name", ...changing("DeleteTrail"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { name };
        await deleteConsoleTrail(c.get("deps"), c.get("session").caller, name);
        return c.json({ deleted: name });
      })
      .post("/trails/:name/start", ...changing("StartLogging"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { name };
        return c.json(await setConsoleTrailLogging(c.get("deps"), c.get("session").caller, name, true));
      })
      .post("/trails/:name/stop", ...changing("StopLogging"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { name };
        return c.json(await setConsoleTrailLogging(c.get("deps"), c.get("session").caller, name, false));
      })
      // ---- reports ----
      .get("/reports", ...reading("ListReports"), async (c) => {
        return c.json(await listConsoleReports(c.get("deps"), c.get("session").caller));
      })
      .post("/reports", ...changing("CreateReport"), jsonInput(ReportRequestSchema), async (c) => {
        const input = c.req.valid("json");
        c.get("call").requestParameters = { format: input.format, filter: requestParametersOf(input.filter) };
        const report = await createConsoleReport(c.get("deps"), c.get("session").caller, input);
        c.get("call").responseElements = { reportId: report.id };
        return c.json(report, 201);
      })
      .get("/reports/:id/download", ...reading("GetReport"), paramInput(UuidParam), queryInput(ZipQuery), async (c) => {
        const { id } = c.req.valid("param");
        const { zip } = c.req.valid("query");
        c.get("call").requestParameters = { reportId: id, zip: zip === "1" };
        const acceptsGzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
        return downloadReport(c.get("deps"), c.get("session").caller, id, zip === "1", acceptsGzip);
      })
      .delete("/reports/:id", ...changing("DeleteReport"), paramInput(UuidParam), async (c) => {
        const { id } = c.req.valid("param");
        c.get("call").requestParameters = { reportId: id };
        await deleteConsoleReport(c.get("deps"), c.get("session").caller, id);
        return c.json({ deleted: id });
      })
      // ---- rules ----
      .get("/rules", ...reading("ListRules"), async (c) => {
        return c.json(await listConsoleRules(c.get("deps"), c.get("session").caller));
      })
      .post("/rules", ...changing("CreateRule"), jsonInput(RuleCreateSchema), async (c) => {
        const input = c.req.valid("json");
        c.get("call").requestParameters = recordedRuleInput(input);
        const created = await createConsoleRule(c.get("deps"), c.get("session").caller, input);
        // The secret is answered once and never recorded.
        c.get("call").responseElements = { ruleName: created.rule.name, secretHint: created.rule.secretHint };
        return c.json(created, 201);
      })
      .get("/rules/:name", ...reading("GetRule"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { ruleName: name };
        return c.json(await getConsoleRule(c.get("deps"), c.get("session").caller, name));
      })
      .patch("/rules/:name", ...changing("UpdateRule"), paramInput(NameParam), jsonInput(RuleUpdateSchema), async (c) => {
        const { name } = c.req.valid("param");
        const input = c.req.valid("json");
        c.get("call").requestParameters = recordedRuleInput({ name, ...input });
        return c.json(await updateConsoleRule(c.get("deps"), c.get("session").caller, name, input));
      })
      .delete("/rules/:name", ...changing("DeleteRule"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { ruleName: name };
        await deleteConsoleRule(c.get("deps"), c.get("session").caller, name);
        return c.body(null, 204);
      })
      .post("/rules/:name/secret", ...changing("RotateRuleSecret"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { ruleName: name };
        return c.json(await rotateRuleSecret(c.get("deps"), c.get("session").caller, name));
      })
      .post("/rules/:name/test", ...changing("TestRule"), paramInput(NameParam), async (c) => {
        const { name } = c.req.valid("param");
        c.get("call").requestParameters = { ruleName: name };
        const queued = await testConsoleRule(c.get("deps"), c.get("session").caller, name);
        c.get("call").responseElements = { deliveryId: queued.delivery.id, eventId: queued.delivery.eventId };
        return c.json(queued, 202);
      })
      .get("/rules/:name/deliveries", ...reading("ListRuleDeliveries"), paramInput(NameParam), queryInput(DeliveriesQuerySchema), async (c) => {
        const { name } = c.req.valid("param");
        const query = c.req.valid("query");
        c.get("call").requestParameters = { ruleName: name, ...(query.limit !== undefined ? { limit: query.limit } : {}) };
        return c.json(await listConsoleDeliveries(c.get("deps"), c.get("session").caller, name, query));
      })
      .get("/rule-templates", ...reading("ListRuleTemplates"), (c) => c.json(ruleTemplates()))
      // ---- description ----
      .get("/openapi.json", (c) => {
        c.get("call").record = false;
        return c.json(openApiDocument());
      })
      .all("/*", (c) => {
        c.get("call").record = false;
        throw new DomainError("NotFoundException", `There is no console API route ${c.req.method} ${c.req.path}.`);
      })
  );
}

const ZipQuery = v.object({ zip: v.optional(v.picklist(["0", "1"], "zip must be 0 or 1.")) });

/** Recorded request parameters: the filter as given, times as ISO strings, nothing secret. */
function requestParametersOf(q: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(q)) {
    if (x === undefined || k === "nextToken") continue;
    out[k] = x instanceof Date ? x.toISOString() : x;
  }
  return out;
}

export type ConsoleAppType = ReturnType<typeof consoleRouter>;
