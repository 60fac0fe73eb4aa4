#!/usr/bin/env node
/**
 * The `whalewatcher` executable: the npm bin under Node (built and bundled to
 * `dist/cli/bin.js` by `npm run build`), the CLI entry under Deno and Bun
 * (`deno run -P cli/bin.ts`, `bun cli/bin.ts`) and the entry of the
 * standalone binaries (`npm run compile:bun`, `npm run compile:deno`). It
 * loads only the argument handling; the engines a command selects are
 * imported when it opens them (cli/main.ts), never the whole library as
 * `mod.ts` run as a program does.
 *
 * @module
 */

import module from "node:module";

// Node ≥ 22.1 keeps the compiled code of every module loaded after this call on disk (in the OS temp
// directory), so that the next start skips compiling them; Deno and Bun cache on their own and lack the call.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { runMain } = await import("./main.ts");
await runMain();
