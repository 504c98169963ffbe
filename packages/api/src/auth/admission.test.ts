import { expect, test } from "bun:test";
import { createAdmission } from "./admission.ts";

/** A task that records when it starts and finishes when told to. */
function controlled(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const task = async () => {
    started.push(name);
    await done;
    return name;
  };
  return { task, finish: () => finish() };
}

test("runs at most `concurrency` tasks at once and then the newest waiter first", async () => {
  const admission = createAdmission({ concurrency: 1, queue: 10, busyMessage: "busy" });
  const started: string[] = [];
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => controlled(started, n));
  const runs = [a!, b!, c!, d!].map((t) => admission.run(t.task));
  await Bun.sleep(1);
  expect(started).toEqual(["a"]);
  a!.finish();
  await Bun.sleep(1);
  // The flood's earlier arrivals (b, c) wait; the newest (d) is served next.
  expect(started).toEqual(["a", "d"]);
  d!.finish();
  await Bun.sleep(1);
  expect(started).toEqual(["a", "d", "c"]);
  c!.finish();
  b!.finish();
  expect(await Promise.all(runs)).toEqual(["a", "b", "c", "d"]);
});

test("a full queue refuses its oldest waiter, and a failed task frees its slot", async () => {
  const admission = createAdmission({ concurrency: 1, queue: 1, busyMessage: "busy now" });
  const started: string[] = [];
  const first = controlled(started, "first");
  const running = admission.run(first.task);
  const oldest = admission.run(async () => "oldest");
  const newest = admission.run(async () => "newest");
  await expect(oldest).rejects.toMatchObject({ code: "ThrottlingException", message: "busy now" });
  first.finish();
  expect(await running).toBe("first");
  expect(await newest).toBe("newest");
  await expect(admission.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  expect(await admission.run(async () => "after")).toBe("after");
});
