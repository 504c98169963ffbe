import { defineConfig } from "drizzle-kit";

// Only the regular tables: `events` is partitioned and lives in a custom migration.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./src/db/migrations",
});
