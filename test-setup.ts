// Preloaded by `bun test` (bunfig.toml). bunfig's `timeout` covers tests but not hooks, and a
// beforeAll that starts PGlite or a server can take over Bun's 5 s default on a busy 2-core CI
// machine; this default covers both.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);
