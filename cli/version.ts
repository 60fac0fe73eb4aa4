/**
 * The CLI's version, kept equal to package.json and deno.json (a test checks).
 *
 * @module
 */

/** The whalewatcher version. */
export const VERSION = "0.1.0";
