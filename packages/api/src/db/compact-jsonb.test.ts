import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Database } from "./client.ts";
import { compactJsonb } from "./events.ts";
import { nativeQuery } from "./rows.ts";
import { createTestDatabase } from "../test-kit/database.ts";

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

// Values whose jsonb text (as Postgres prints it) must compact to exactly JSON.stringify(value):
// spacing, escapes, unicode, nesting, and the cases that need the parse/stringify fallback.
const VALUES: unknown[] = [
  {},
  [],
  { a: 1, b: "two", c: [1, 2, { d: null }], e: true, f: false },
  { "key with spaces": "value, with: punctuation", nested: { "x y": [" a ", "b ,c"] } },
  { quote: 'say "hi"', backslash: "a\\b", newline: "l1\nl2", tab: "\t", control: "\u0001", unicode: "Ω ü 漢字 😀" },
  { neg: -5, frac: 1.25, big: 12345678901234, exp: 1e-7, zero: 0 },
  { "10": "digit key", a: 1 },
  { price: "1.50", n: 1.5 },
  { InstanceId: ["i-0abc", "i-0def"], Filter: [{ Name: "tag:Name", Value: ["web server"] }] },
  { s: "-5", t: "1e21", u: "  leading and trailing  " },
];

test.each(VALUES.map((v) => [JSON.stringify(v), v]))("jsonb text of %s compacts to JSON.stringify", async (_label, value) => {
  const [row] = await nativeQuery<{ t: string }>(database, `select $1::jsonb::text as t`, [JSON.stringify(value)]);
  const pgText = row!.t;
  expect(compactJsonb(pgText)).toBe(JSON.stringify(JSON.parse(pgText)));
});

test("numbers JavaScript would write differently take the exact round trip", () => {
  expect(compactJsonb('{"a": 1.50}')).toBe('{"a":1.5}');
  expect(compactJsonb('{"a": 1e+21}')).toBe('{"a":1e+21}');
  expect(compactJsonb("[-0, 100000000000000000000000]")).toBe(JSON.stringify(JSON.parse("[-0, 100000000000000000000000]")));
  expect(compactJsonb(null)).toBeNull();
});
