/**
 * The `whalewatcher` command: shows the alive containers of the selected
 * engines (text or `--json`) and with `--watch` follows their lifecycle
 * events until SIGINT/SIGTERM. Returns the exit code instead of exiting, so
 * that each entry point (cli/bin.ts, mod.ts run as a program)
 * decides how to exit.
 *
 * @module
 */

import process from "node:process";
import { parseArgs, USAGE, UsageError } from "./args.ts";
import type { CliOptions } from "./args.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit-codes.ts";
import { err, out } from "./output.ts";
import { VERSION } from "./version.ts";

export { EXIT_FAILURE, EXIT_NO_CONTAINER, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE } from "./exit-codes.ts";

/**
 * Runs the CLI with the arguments after the program name and resolves the
 * exit code. Output goes to `process.stdout`/`process.stderr`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await err(`whalewatcher: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (options.command === "help") {
    await out(USAGE);
    return EXIT_OK;
  }
  if (options.command === "version") {
    await out(`whalewatcher ${VERSION}\n`);
    return EXIT_OK;
  }
  if (options.command === "engines") return await (await import("./engines.ts")).listEngines(options);
  // imported here: --help, --version and usage errors never load the watcher, the engine clients or the output formats
  const { runOnEngines } = await import("./engine-commands.ts");
  return await runOnEngines(options);
}

/**
 * Runs {@linkcode main} on the process arguments and exits with its code;
 * the entry points call this.
 */
export async function runMain(): Promise<never> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    await err(`whalewatcher: unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    code = EXIT_FAILURE;
  }
  // Exit explicitly: the CLI is done even if some runtime keeps a handle alive for a moment.
  process.exit(code);
}
