import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// The console is served by the API process from dist/ (see packages/api/src/server.ts);
// `vite` (dev) proxies the API to a running `bun run start`.
export default defineConfig({
  plugins: [solid()],
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 200 },
  server: { proxy: { "/api": process.env.ACTIVITY_LOG_URL ?? "http://127.0.0.1:8080" } },
});
