import { describe, expect, test } from "bun:test";
import { HIDDEN, redactSecrets } from "./redaction.ts";

describe("redaction", () => {
  test("secret-named keys are hidden at any depth; other values stay", () => {
    expect(
      redactSecrets({ Password: "p", a: { secretAccessKey: "s", token: "t", list: [{ Secret: "x", ok: "y" }] }, NextToken: "n", accessKeyId: "AK" }),
    ).toEqual({
      Password: HIDDEN,
      a: { secretAccessKey: HIDDEN, token: HIDDEN, list: [{ Secret: HIDDEN, ok: "y" }] },
      NextToken: "n",
      accessKeyId: "AK",
    });
  });
});
