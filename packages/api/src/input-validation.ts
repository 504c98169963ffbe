import { DomainError, findTextProblem } from "@activity-log/core";
import { validator } from "hono/validator";
import * as v from "valibot";

/**
 * Validation at the edge for every JSON API: valibot schemas wrapped in Hono validators, so handlers
 * get typed values (and the console's typed client knows every parameter). Any problem — not JSON,
 * wrong shape, a NUL character anywhere (Postgres text cannot hold it) — is a 400
 * ValidationException naming the first offending field.
 */

/** NUL in any key or value is refused before anything else looks at the input. */
function refuseNul(value: unknown): void {
  const problem = findTextProblem(value, { surrogates: false });
  if (problem) throw new DomainError("ValidationException", problem.path ? `${problem.path}: ${problem.message}` : problem.message);
}

function fail(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): never {
  const issue = issues[0];
  const path = v.getDotPath(issue);
  throw new DomainError("ValidationException", path ? `${path}: ${issue.message}` : issue.message);
}

export function jsonInput<S extends v.GenericSchema>(schema: S) {
  return validator("json", (value): v.InferOutput<S> => {
    // Every body here is an object: valibot's object() would take an array for one with no members.
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new DomainError("ValidationException", "The request body must be a JSON object.");
    refuseNul(value);
    const parsed = v.safeParse(schema, value);
    return parsed.success ? parsed.output : fail(parsed.issues);
  });
}

export function queryInput<S extends v.GenericSchema<Record<string, string | undefined>, unknown>>(schema: S) {
  return validator("query", (value): v.InferOutput<S> => {
    refuseNul(value);
    const parsed = v.safeParse(schema, value);
    return parsed.success ? parsed.output : fail(parsed.issues);
  });
}

export function paramInput<S extends v.GenericSchema>(schema: S) {
  return validator("param", (value): v.InferOutput<S> => {
    refuseNul(value);
    const parsed = v.safeParse(schema, value);
    return parsed.success ? parsed.output : fail(parsed.issues);
  });
}
