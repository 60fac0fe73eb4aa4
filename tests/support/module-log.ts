/**
 * Preloaded into a child (`node --import` / `bun --preload`): when the child
 * exits, writes the files of every module it loaded, one absolute path a
 * line, to the file named by `WW_MODULE_LOG`. Node reports them through a
 * module load hook (`module.registerHooks`, ESM and CommonJS alike), Bun
 * through `require.cache` (shared by every `require`), which holds its ES modules too. Deno has neither.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import module from "node:module";
import process from "node:process";
import { fileURLToPath } from "node:url";

const target = process.env.WW_MODULE_LOG;
const loaded = new Set<string>();

interface LoadHooks {
  registerHooks?(hooks: { load(url: string, context: unknown, next: (url: string, context: unknown) => unknown): unknown }): unknown;
}

if (target !== undefined) {
  if ("Bun" in globalThis) {
    const { cache } = module.createRequire(import.meta.url);
    process.on("exit", () => {
      for (const file of Object.keys(cache)) loaded.add(file);
    });
  } else {
    (module as unknown as LoadHooks).registerHooks!({
      load(url, context, next) {
        if (url.startsWith("file:")) loaded.add(fileURLToPath(url));
        return next(url, context);
      },
    });
  }
  // Registered after Bun's listener above, so that it writes what that one collected.
  process.on("exit", () => writeFileSync(target, [...loaded].join("\n")));
}
