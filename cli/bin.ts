#!/usr/bin/env node
/**
 * The npm `whalewatcher` executable (Node runs the built `dist/cli/bin.js`).
 * Deno and Bun run `mod.ts` as a program instead.
 *
 * @module
 */

import { runMain } from "./main.ts";

await runMain();
