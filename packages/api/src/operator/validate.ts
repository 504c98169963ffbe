import { DomainError } from "@activity-log/core";
import { validator } from "hono/validator";
import * as v from "valibot";

/**
 * Validates a JSON body with a valibot schema at the edge. Any problem — not JSON, wrong shape —
 * is a 400 ValidationException naming the first offending field.
 */
export function jsonBody<S extends v.GenericSchema>(schema: S) {
  return validator("json", (value): v.InferOutput<S> => {
    const parsed = v.safeParse(schema, value);
    if (parsed.success) return parsed.output;
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    throw new DomainError("ValidationException", path ? `${path}: ${issue.message}` : issue.message);
  });
}
