import { expect, test } from "bun:test";
import { createPasswordGate } from "./password-check.ts";

const hash = await Bun.password.hash("right-password");

test("checks the password against its hash", async () => {
  const gate = createPasswordGate();
  expect(await gate.verify("right-password", hash)).toBe(true);
  expect(await gate.verify("wrong-password", hash)).toBe(false);
  expect(await gate.verify("anything", "not-a-hash")).toBe(false);
});

test("an unknown name costs no argon2 but waits about as long as a check", async () => {
  const gate = createPasswordGate();
  await gate.verify("x", hash);
  const started = performance.now();
  expect(await gate.verify("anything", null)).toBe(false);
  expect(performance.now() - started).toBeGreaterThanOrEqual(gate.typicalMs() * 0.5);
});

test("at most `concurrency` checks run at once, a short queue waits, and a full queue refuses its oldest waiter", async () => {
  const gate = createPasswordGate({ concurrency: 1, queue: 1 });
  const settled = await Promise.allSettled([gate.verify("right-password", hash), gate.verify("right-password", hash), gate.verify("right-password", hash)]);
  expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: "ThrottlingException" });
  // The queue drained: the gate is usable again.
  expect(await gate.verify("right-password", hash)).toBe(true);
});
