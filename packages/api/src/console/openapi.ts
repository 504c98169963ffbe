/**
 * OpenAPI 3.1 description of the console API, written by hand next to the router it describes
 * (router.ts is the source of truth; openapi.test.ts checks that every route is described).
 */
const error = { $ref: "#/components/responses/Error" };
const json = (schema: object) => ({ content: { "application/json": { schema } } });
const ok = (description: string, schema: object = { type: "object" }) => ({ description, ...json(schema) });
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
        "400 validation errors, 404 not found, 409 ReportLimitExceededException, 429 ThrottlingException.",
    },
    servers: [{ url: "/api/v1" }],
    components: {
      securitySchemes: { session: { type: "apiKey", in: "cookie", name: "al_session" } },
      parameters: {
        CsrfToken: { name: "X-CSRF-Token", in: "header", required: true, schema: { type: "string" } },
        TrailName: { name: "name", in: "path", required: true, schema: { type: "string" } },
        ReportId: { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
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
        Event: {
          type: "object",
          properties: {
            eventID: { type: "string" },
            eventTime: { type: "string", format: "date-time" },
            eventName: { type: "string" },
            eventType: { type: "string", enum: ["AwsApiCall", "AwsConsoleSignIn", "AwsConsoleSignOut", "AwsConsoleAutoSignOut"] },
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
          summary: "Top values with counts of user, action, event source, project and resource over the newest 10,000 matching events",
          parameters: filterParams,
          responses: { "200": ok("Facets: {counted, sampled, facets: {userName, eventName, eventSource, project, resource: [{value, count}]}}"), "400": error },
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
      "/openapi.json": { get: { summary: "This document", security: [], responses: { "200": ok("OpenAPI 3.1") } } },
    },
  };
}
