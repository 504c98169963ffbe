import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";

const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;

/**
 * Writes `file.br` and `file.gz` beside every text asset of the build, at the highest levels (done
 * once here, so the server only picks the file: packages/api/src/web-assets.ts).
 */
function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "activity-log-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
      for (const file of walk(outDir).filter((f) => COMPRESSIBLE.test(f))) {
        const bytes = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// The console is served by the API process from dist/ (see packages/api/src/web-assets.ts);
// `vite` (dev) proxies the API to a running `bun run start`.
export default defineConfig({
  plugins: [solid(), precompress()],
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 200 },
  server: { proxy: { "/api": process.env.ACTIVITY_LOG_URL ?? "http://127.0.0.1:8080" } },
});
