/**
 * The CLI's exit codes, in a module of their own so that both the argument
 * handling (cli/main.ts) and the engine commands (cli/engine-commands.ts)
 * use them without loading each other.
 *
 * @example
 * ```ts
 * import { EXIT_USAGE } from "./exit-codes.ts";
 * console.log(EXIT_USAGE); // 64
 * ```
 *
 * @module
 */

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: an unexpected failure (e.g. a watch that broke). */
export const EXIT_FAILURE = 1;
/** Exit code: a requested engine (with `--engine all`: every engine) is unreachable. */
export const EXIT_UNREACHABLE = 2;
/** Exit code: `pid PID` — the process is in no alive container (or does not exist). */
export const EXIT_NO_CONTAINER = 3;
/** Exit code: bad command line (BSD `EX_USAGE`). */
export const EXIT_USAGE = 64;
