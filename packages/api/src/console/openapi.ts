/**
 * OpenAPI 3.1 description of the console API, written by hand next to the router it describes
 * (router.ts is the source of truth; openapi.test.ts checks that every route is described).
 */
import { EVENT_TYPES } from "@activity-log/core";

const error = { $ref: "#/components/responses/Error" };
const json = (schema: object) => ({ content: { "application/json": { schema } } });
const ok = (description: string, schema: object = { type: "object" }) => ({ description, ...json(schema) });
/** An error response naming the codes a route answers with. */
const namedError = (description: string) => ({
  description,
  ...json({ type: "object", required: ["error", "message"], properties: { error: { type: "string" }, message: { type: "string" } } }),
});
const csrf = { $ref: "#/components/parameters/CsrfToken" };
const q = (name: string, description: string, schema: object = { type: "string" }) => ({ name, in: "query", required: false, description, schema });

const filterParams = [
  q("start", "Start of the period (ISO-8601). Clamped to the retention window.", { type: "string", format: "date-time" }),
  q("end", "End of the period (ISO-8601); defaults to now.", { type: "string", format: "date-time" }),
  q("readOnly", "false (default): changes only; true: reads only; all: both.", { type: "string", enum: ["false", "true", "all"], default: "false" }),
  q("eventName", "Action: exact, case-sensitive API method name."),
  q("userName", "Exact user name."),
  q("project", "Exact project name."),
  q("resourceName", "Resource id such as i-0abc…"),
  q("eventSource", "Service, e.g. ec2.amazonaws.com."),
  q("accessKeyId", "Exact access key id."),
  q("errorsOnly", "true: failed calls only.", { type: "string", enum: ["true", "false"] }),
  q("search", "Case-sensitive free text, 3–200 characters."),
];

const FilterSchema = {
  type: "object",
  properties: Object.fromEntries(filterParams.map((p) => [p.name, { ...p.schema, description: p.description }])),
};

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Activity Log console API",
      version: "1",
      description:
        "JSON API of the Activity Log console. Sign in with POST /session; the session cookie is HttpOnly and SameSite=Strict. " +
        "Every state-changing request must send the csrfToken from the sign-in (or /me) answer in the X-CSRF-Token header. " +
        "Errors are {error, message}: 401 UnauthorizedException (sign in), 403 AccessDeniedException / SubscriptionRequiredException, " +
        "400 validation errors, 404 not found, 409 ReportLimitExceededException / RuleAlreadyExistsException, 429 ThrottlingException.",
    },
    servers: [{ url: "/api/v1" }],
    components: {
      securitySchemes: { session: { type: "apiKey", in: "cookie", name: "al_session" } },
      parameters: {
        CsrfToken: { name: "X-CSRF-Token", in: "header", required: true, schema: { type: "string" } },
        TrailName: { name: "name", in: "path", required: true, schema: { type: "string" } },
        ReportId: { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
        RuleName: { name: "name", in: "path", required: true, schema: { type: "string" } },
      },
      responses: {
        Error: ok("Error", {
          type: "object",
          required: ["error", "message"],
          properties: { error: { type: "string" }, message: { type: "string" } },
        }),
      },
      schemas: {
        Filter: FilterSchema,
        RuleFilter: {
          type: "object",
          description: "The Events view's filter (attributes ANDed, exact and case-sensitive) plus eventNames (any of). eventId is not allowed.",
          additionalProperties: false,
          properties: {
            eventName: { type: "string" },
            eventNames: { type: "array", maxItems: 20, items: { type: "string" } },
            readOnly: { type: "boolean", description: "Absent: reads and writes." },
            userName: { type: "string" },
            resourceName: { type: "string" },
            resourceType: { type: "string" },
            eventSource: { type: "string" },
            accessKeyId: { type: "string" },
            project: { type: "string" },
            errorsOnly: { type: "boolean" },
            search: { type: "string", description: "Case-sensitive free text, 3–200 characters." },
          },
        },
        Rule: {
          type: "object",
          properties: {
            name: { type: "string" },
            filter: { $ref: "#/components/schemas/RuleFilter" },
            url: { type: "string", format: "uri" },
            enabled: { type: "boolean" },
            disabledReason: { type: ["string", "null"] },
            createdAt: { type: "string", format: "date-time" },
            updatedAt: { type: "string", format: "date-time" },
            secretHint: { type: "string", description: "whsec_… and the secret's last 4 characters" },
            lastDelivery: {
              type: ["object", "null"],
              properties: { at: { type: "string", format: "date-time" }, status: { type: "string" }, responseCode: { type: ["integer", "null"] } },
            },
            lastError: { type: ["object", "null"], properties: { at: { type: "string", format: "date-time" }, message: { type: "string" } } },
            paused: { type: "boolean", description: "The subscription is inactive: matching events are skipped, never delivered later." },
            pausedSince: { type: ["string", "null"], format: "date-time" },
            lastPause: {
              type: ["object", "null"],
              description: "The last gap in delivery while the subscription was inactive.",
              properties: { from: { type: "string", format: "date-time" }, to: { type: "string", format: "date-time" } },
            },
          },
        },
        Delivery: {
          type: "object",
          properties: {
            id: { type: "string", format: "uuid" },
            eventId: { type: "string" },
            eventName: { type: "string" },
            eventTime: { type: "string", format: "date-time" },
            test: { type: "boolean" },
            status: { type: "string", enum: ["pending", "retrying", "delivered", "failed"] },
            attempts: { type: "integer" },
            responseCode: { type: ["integer", "null"] },
            error: { type: ["string", "null"], description: "Why the last attempt failed, with at most 200 characters of the response" },
            createdAt: { type: "string", format: "date-time" },
            lastAttemptAt: { type: ["string", "null"], format: "date-time" },
            deliveredAt: { type: ["string", "null"], format: "date-time" },
            nextAttemptAt: { type: ["string", "null"], format: "date-time" },
          },
        },
        Event: {
          type: "object",
          properties: {
            eventID: { type: "string" },
            eventTime: { type: "string", format: "date-time" },
            eventName: { type: "string" },
            eventType: { type: "string", enum: [...EVENT_TYPES] },
            eventSource: { type: "string" },
            project: { type: "string" },
            readOnly: { type: "boolean" },
            userName: { type: "string" },
            accessKeyId: { type: ["string", "null"] },
            sourceIPAddress: { type: ["string", "null"] },
            errorCode: { type: ["string", "null"] },
            errorMessage: { type: ["string", "null"] },
            resources: { type: "array", items: { type: "object", properties: { type: { type: "string" }, name: { type: "string" } } } },
          },
        },
        Trail: {
          type: "object",
          properties: {
            name: { type: "string" },
            arn: { type: "string" },
            project: { type: "string" },
            bucket: { type: "string" },
            prefix: { type: "string" },
            readWriteType: { type: "string", enum: ["All", "ReadOnly", "WriteOnly"] },
            isLogging: { type: "boolean" },
            latestDeliveryTime: { type: ["string", "null"], format: "date-time" },
            latestDeliveryError: { type: ["string", "null"] },
          },
        },
        Report: {
          type: "object",
          properties: {
            id: { type: "string", format: "uuid" },
            format: { type: "string", enum: ["csv", "json"] },
            status: { type: "string", enum: ["queued", "generating", "ready", "failed", "expired"] },
            progress: { type: ["number", "null"] },
            rows: { type: "integer" },
            bytes: { type: ["integer", "null"] },
            createdAt: { type: "string", format: "date-time" },
            expiresAt: { type: "string", format: "date-time" },
          },
        },
      },
    },
    security: [{ session: [] }],
    paths: {
      "/session": {
        post: {
          summary: "Sign in",
          security: [],
          requestBody: json({
            type: "object",
            required: ["account", "user", "password"],
            properties: { account: { type: "string" }, user: { type: "string" }, password: { type: "string" } },
          }),
          responses: {
            "200": ok("Signed in; sets the session cookie", {
              type: "object",
              properties: { csrfToken: { type: "string" }, user: { type: "object" }, account: { type: "string" } },
            }),
            "401": error,
            "429": error,
          },
        },
        delete: { summary: "Sign out", parameters: [csrf], responses: { "200": ok("Signed out"), "401": error } },
      },
      "/me": { get: { summary: "The signed-in user, account, projects, access, subscription and limits", responses: { "200": ok("Me"), "401": error } } },
      "/events": {
        get: {
          summary: "Events newest first (the LookupEvents engine)",
          parameters: [...filterParams, q("limit", "1–1000, default 50"), q("nextToken", "From the previous page, with the same filters")],
          responses: {
            "200": ok("A page", {
              type: "object",
              properties: { events: { type: "array", items: { $ref: "#/components/schemas/Event" } }, nextToken: { type: ["string", "null"] } },
            }),
            "400": error,
            "403": error,
          },
        },
      },
      "/events/{id}": {
        get: {
          summary: "Event details with the raw CloudTrail record",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": ok("The event"), "404": error },
        },
      },
      "/facets": {
        get: {
          summary:
            "Top values with counts of user, action, event source, project and resource over the newest matching events: at most 10,000, as many as a time budget (≈ 35 ms) reads newest first",
          parameters: filterParams,
          responses: {
            "200": ok(
              "Facets: {counted, sampled, since, facets: {userName, eventName, eventSource, project, resource: [{value, count}]}}; the counts are over every matching event from `since` to the end of the period (`sampled`: since is after the period's start)",
            ),
            "400": error,
          },
        },
      },
      "/histogram": { get: { summary: "Read and write events per time bucket", parameters: filterParams, responses: { "200": ok("Buckets"), "400": error } } },
      "/trails": {
        get: { summary: "Trails with their status and the trail limit", responses: { "200": ok("Trails") } },
        post: {
          summary: "Create a trail and start logging",
          parameters: [csrf],
          requestBody: json({
            type: "object",
            required: ["name", "bucket"],
            properties: { name: { type: "string" }, bucket: { type: "string" }, project: { type: "string" }, prefix: { type: "string" } },
          }),
          responses: { "201": ok("Created", { $ref: "#/components/schemas/Trail" }), "400": error, "403": error },
        },
      },
      "/trails/{name}": {
        patch: {
          summary: "Change bucket, project, prefix or selector",
          parameters: [{ $ref: "#/components/parameters/TrailName" }, csrf],
          requestBody: json({ type: "object", properties: { bucket: { type: "string" }, project: { type: "string" }, prefix: { type: "string" } } }),
          responses: { "200": ok("Updated", { $ref: "#/components/schemas/Trail" }), "400": error },
        },
        delete: {
          summary: "Delete a trail (its archives stay)",
          parameters: [{ $ref: "#/components/parameters/TrailName" }, csrf],
          responses: { "200": ok("Deleted"), "400": error },
        },
      },
      "/trails/{name}/start": {
        post: { summary: "Start logging", parameters: [{ $ref: "#/components/parameters/TrailName" }, csrf], responses: { "200": ok("Trail") } },
      },
      "/trails/{name}/stop": {
        post: { summary: "Stop logging", parameters: [{ $ref: "#/components/parameters/TrailName" }, csrf], responses: { "200": ok("Trail") } },
      },
      "/reports": {
        get: { summary: "Reports with progress and the report limits", responses: { "200": ok("Reports") } },
        post: {
          summary: "Create a CSV or JSON report of the events matching a filter",
          parameters: [csrf],
          requestBody: json({
            type: "object",
            required: ["format"],
            properties: { format: { type: "string", enum: ["csv", "json"] }, filter: { $ref: "#/components/schemas/Filter" } },
          }),
          responses: { "201": ok("Queued", { $ref: "#/components/schemas/Report" }), "409": error },
        },
      },
      "/reports/{id}/download": {
        get: {
          summary: "Download a finished report (zip=1 for a zip archive)",
          parameters: [{ $ref: "#/components/parameters/ReportId" }, q("zip", "1: as a zip", { type: "string", enum: ["0", "1"] })],
          responses: { "200": { description: "The file" }, "404": error, "409": error },
        },
      },
      "/reports/{id}": {
        delete: {
          summary: "Delete a report",
          parameters: [{ $ref: "#/components/parameters/ReportId" }, csrf],
          responses: { "200": ok("Deleted"), "404": error },
        },
      },
      "/rules": {
        get: {
          summary: "Event rules with their last delivery and error, and the rule limit",
          responses: {
            "200": ok("Rules", {
              type: "object",
              properties: {
                rules: { type: "array", items: { $ref: "#/components/schemas/Rule" } },
                quota: { type: "object", properties: { used: { type: "integer" }, limit: { type: "integer" } } },
              },
            }),
            "403": error,
          },
        },
        post: {
          summary:
            "Create a rule: matching events are POSTed to url, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). " +
            "The url must be https (http only to hosts the operator allows) and must not point at private, loopback or link-local addresses.",
          parameters: [csrf],
          requestBody: json({
            type: "object",
            required: ["name", "url"],
            properties: {
              name: { type: "string", description: "3–128 letters, digits, . _ -" },
              filter: { $ref: "#/components/schemas/RuleFilter" },
              url: { type: "string", format: "uri" },
              enabled: { type: "boolean", default: true },
            },
          }),
          responses: {
            "201": ok("Created; the secret (whsec_…) is shown only here", {
              type: "object",
              properties: { rule: { $ref: "#/components/schemas/Rule" }, secret: { type: "string" } },
            }),
            "400": namedError("InvalidRuleNameException, InvalidEventFilterException, InvalidWebhookUrlException or RulesLimitExceededException"),
            "409": namedError("RuleAlreadyExistsException"),
          },
        },
      },
      "/rules/{name}": {
        get: {
          summary: "One rule",
          parameters: [{ $ref: "#/components/parameters/RuleName" }],
          responses: { "200": ok("The rule", { type: "object", properties: { rule: { $ref: "#/components/schemas/Rule" } } }), "404": error },
        },
        patch: {
          summary: "Change the filter, url or enabled; enabling clears disabledReason and matches events from now on",
          parameters: [{ $ref: "#/components/parameters/RuleName" }, csrf],
          requestBody: json({
            type: "object",
            properties: { filter: { $ref: "#/components/schemas/RuleFilter" }, url: { type: "string" }, enabled: { type: "boolean" } },
          }),
          responses: { "200": ok("Updated", { type: "object", properties: { rule: { $ref: "#/components/schemas/Rule" } } }), "400": error, "404": error },
        },
        delete: {
          summary: "Delete a rule and its delivery log",
          parameters: [{ $ref: "#/components/parameters/RuleName" }, csrf],
          responses: { "204": { description: "Deleted" }, "404": error },
        },
      },
      "/rules/{name}/secret": {
        post: {
          summary: "Rotate the signing secret; the old one stops signing at once",
          parameters: [{ $ref: "#/components/parameters/RuleName" }, csrf],
          responses: { "200": ok("The new secret, shown once", { type: "object", properties: { secret: { type: "string" } } }), "404": error },
        },
      },
      "/rules/{name}/test": {
        post: {
          summary: "Queue a synthetic event (ActivityLogRuleTest, test: true) for delivery now",
          parameters: [{ $ref: "#/components/parameters/RuleName" }, csrf],
          responses: { "202": ok("Queued", { type: "object", properties: { delivery: { $ref: "#/components/schemas/Delivery" } } }), "404": error },
        },
      },
      "/rules/{name}/deliveries": {
        get: {
          summary: "The rule's delivery log, newest first",
          parameters: [{ $ref: "#/components/parameters/RuleName" }, q("limit", "1–200, default 50"), q("nextToken", "From the previous page")],
          responses: {
            "200": ok("A page", {
              type: "object",
              properties: { deliveries: { type: "array", items: { $ref: "#/components/schemas/Delivery" } }, nextToken: { type: ["string", "null"] } },
            }),
            "404": error,
          },
        },
      },
      "/rule-templates": {
        get: {
          summary: "Filters offered when creating a rule (audit-trail tampering, failed console sign-ins, TerminateInstances in a project)",
          responses: {
            "200": ok("Templates", {
              type: "object",
              properties: {
                templates: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      id: { type: "string" },
                      title: { type: "string" },
                      description: { type: "string" },
                      filter: { $ref: "#/components/schemas/RuleFilter" },
                      needs: { type: "array", items: { type: "string", enum: ["project"] } },
                    },
                  },
                },
              },
            }),
          },
        },
      },
      "/openapi.json": { get: { summary: "This document", security: [], responses: { "200": ok("OpenAPI 3.1") } } },
    },
  };
}
