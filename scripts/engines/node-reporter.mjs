// A node:test reporter that writes one NDJSON line per leaf test: {"file", "status"} (status passed, failed
// or skipped; describe blocks are not leaves). scripts/test.mjs reads it to count tests per file and so per
// engine (Node's TAP and spec output do not say which file a test came from).
export default async function* fileResults(source) {
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const data = event.data;
    if (data.details?.type === "suite") continue;
    const status = event.type === "test:fail" ? "failed" : data.skip !== undefined || data.todo !== undefined ? "skipped" : "passed";
    yield `${JSON.stringify({ file: data.file, status, name: data.name })}\n`;
  }
}
