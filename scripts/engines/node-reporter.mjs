// A node:test reporter that writes one NDJSON line per leaf test: {"file", "status"} (status passed, failed
// or skipped; describe blocks are not leaves). scripts/test.mjs reads it to count tests per file and so per
// engine (Node's TAP and spec output do not say which file a test came from).
//
// The file is the test file that ran, not the one that called `it()`: a test defined in a helper module
// (tests/reliability/faults.ts defines the fault suites' tests) has the helper as its `file`. Node 24+ says
// which test file ran in `entryFile`; Node 22 does not, but reports each test file's events in one block
// that its `test:summary` (which names the file) ends, so those leaves wait for it.
export default async function* fileResults(source) {
  let waiting = [];
  for await (const event of source) {
    const data = event.data;
    if (event.type === "test:summary" && data.file !== undefined) {
      for (const leaf of waiting) yield line({ ...leaf, file: data.file });
      waiting = [];
      continue;
    }
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    if (data.details?.type === "suite") continue;
    const status = event.type === "test:fail" ? "failed" : data.skip !== undefined || data.todo !== undefined ? "skipped" : "passed";
    if (data.entryFile !== undefined) yield line({ file: data.entryFile, status, name: data.name });
    else waiting.push({ file: data.file, status, name: data.name });
  }
  // a file that ended without its summary (its process crashed): the files that defined its tests
  for (const leaf of waiting) yield line(leaf);
}

function line({ file, status, name }) {
  return `${JSON.stringify({ file, status, name })}\n`;
}
