/**
 * Child of tests/docs/examples.test.ts: imports the example modules named on
 * the command line one after another and prints one result line per example
 * (`@@example {"id",…}`); an example gets {@linkcode EXAMPLE_LIMIT_MS}. It
 * never calls `process.exit` on success, so a handle an example leaves open
 * keeps this process alive and the test sees it. A false `console.assert`
 * throws here, so that what an example asserts is checked.
 *
 * @module
 */
import { pathToFileURL } from "node:url";

/** How long one example may take; the engines are local, the examples short. */
const EXAMPLE_LIMIT_MS = 20_000;

/** Marks the result lines among whatever the examples print. */
const MARK = "@@example ";

// The examples state what they show with console.assert; here a false one fails the example.
console.assert = (condition?: boolean, ...data: unknown[]): void => {
  if (!condition) throw new Error(`console.assert failed${data.length ? `: ${data.map(String).join(" ")}` : ""}`);
};

for (const file of process.argv.slice(2)) {
  const id = file.slice(file.lastIndexOf("/") + 1);
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${EXAMPLE_LIMIT_MS} ms`)), EXAMPLE_LIMIT_MS);
  });
  try {
    await Promise.race([import(pathToFileURL(file).href), limit]);
    console.log(MARK + JSON.stringify({ file: id, ok: true, ms: Math.round(performance.now() - started) }));
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.log(MARK + JSON.stringify({ file: id, ok: false, error: text }));
    // a timed-out import may still hold handles: the remaining results would say nothing
    if (text.includes("did not finish")) process.exit(1);
  } finally {
    clearTimeout(timer);
  }
}
