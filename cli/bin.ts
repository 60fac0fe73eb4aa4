#!/usr/bin/env node
/**
 * The `whalewatcher` executable: the npm bin under Node (built and bundled to
 * `dist/cli/bin.js` by `npm run build`), the CLI entry under Deno and Bun
 * (`deno run -P cli/bin.ts`, `bun cli/bin.ts`) and the entry of the
 * standalone binaries (`npm run compile:bun`, `npm run compile:deno`). It
 * loads only the argument handling; the engines a command selects are
 * imported when it opens them (cli/main.ts), never the whole library as
 * `mod.ts` run as a program does. `--version` alone is answered here, from
 * one constant: the argument handling's engine registry is most of the
 * modules a `--help` loads.
 *
 * @module
 */

// Node ≥ 22.1 keeps the compiled code of every module loaded after this call on disk (in the OS temp
// directory), so that the next start skips compiling them; Deno and Bun cache on their own and lack the call.
// Through `getBuiltinModule` (Node ≥ 22.3), not an import of node:module: on Deno any node: import starts
// its Node compatibility layer, which the rest of a `--version` never needs.
const { process } = globalThis as unknown as {
  process: {
    argv: string[];
    getBuiltinModule?: (id: string) => { enableCompileCache?: () => unknown } | undefined;
    stdout: { write(text: string, done: () => void): unknown };
    exit(code: number): never;
  };
};
process.getBuiltinModule?.("node:module")?.enableCompileCache?.();

if (process.argv.length === 3 && process.argv[2] === "--version") {
  const { VERSION } = await import("./version.ts");
  await new Promise<void>((resolve) => process.stdout.write(`whalewatcher ${VERSION}\n`, resolve));
  process.exit(0);
}
const { runMain } = await import("./main.ts");
await runMain();
