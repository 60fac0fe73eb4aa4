// Types of node-lines.mjs (plain JS: it runs before `npm ci`), for the TypeScript tests that start a Node.

/** The Node lines the suite runs on, major → pinned version. */
export const NODE_LINES: Readonly<Record<string, string>>;
/** Node flags for running the project's TypeScript test files on Node `major`. */
export function typeScriptFlags(major: string | number): string[];
/** Test files one Node line runs at once. */
export function testConcurrency(major: string | number): number;
/** The line that installs dependencies and runs `npm start` when the machine's own Node is too old. */
export const TOOL_LINE: number;
/** Whether a Node version (`v22.19.0`) satisfies package.json `engines`. */
export function supported(version: string): boolean;
/** The path of Node `major` (a key of NODE_LINES), fetched into node_modules/.cache on first use. */
export function nodeLine(root: string, major: string | number): string;
/** A Node that package.json `engines` allows: this process's own, else TOOL_LINE fetched from npm. */
export function supportedNode(root: string): string;
/** Runs fn(binDir) with a directory holding a supported `node` to put first on PATH. */
export function withToolNode<T>(root: string, fn: (binDir: string) => T): T;
/** Whether a Node version (`v22.18.0`) strips TypeScript types by default (22.18+, 23.6+). */
export function stripsTypes(version: string): boolean;
/** A Node that runs TypeScript files by stripping types: this process's own where it can, else TOOL_LINE from npm. */
export function strippingNode(root: string): string;
/** PATH with dir first. */
export function pathWith(dir: string, env?: Record<string, string | undefined>): Record<string, string | undefined>;
