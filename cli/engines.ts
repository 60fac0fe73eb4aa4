/**
 * `whalewatcher engines`: runs discovery and prints every candidate with
 * what became of it (text, or one JSON document with `--json`).
 *
 * @module
 */

import { discoverEngines } from "../engines/discovery.ts";
import type { DiscoveryCandidate, DiscoveryReport } from "../lib/discovery/types.ts";
import type { CliOptions } from "./args.ts";
import { out } from "./output.ts";

/** One line per candidate: kind, endpoint, outcome (with the engine or the reason), how it was found. */
export function renderDiscovery(report: DiscoveryReport): string {
  const lines = [`${report.engines.length} engine(s) found`];
  for (const engine of report.engines) {
    lines.push(`  ${engine.kind}  ${engine.type} ${engine.version}  ${engine.api}  pid ${engine.pid || "?"}  ${engine.key}`);
  }
  lines.push("candidates:");
  for (const candidate of report.candidates) lines.push(`  ${candidateLine(candidate)}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

function candidateLine(candidate: DiscoveryCandidate): string {
  const { outcome } = candidate;
  const how = candidate.sources.map((source) => source.detail).join("; ");
  const what = outcome.status === "found"
    ? outcome.duplicateOf !== undefined ? `same engine as ${outcome.engine.api}` : `found ${outcome.engine.type} ${outcome.engine.version}`
    : outcome.status === "skipped"
    ? `skipped: ${outcome.reason}`
    : `${outcome.status}: ${outcome.error.message}`;
  return `${candidate.kind}  ${candidate.endpoint || "-"}  ${what}  (${how})`;
}

/** The report as one JSON document (errors as their name and message). */
export function renderDiscoveryJson(report: DiscoveryReport): string {
  const candidates = report.candidates.map((candidate) => {
    const { outcome } = candidate;
    const rendered = outcome.status === "found"
      ? { status: outcome.status, engine: outcome.engine.key, ...(outcome.duplicateOf !== undefined ? { duplicateOf: outcome.duplicateOf } : {}) }
      : outcome.status === "skipped"
      ? outcome
      : { status: outcome.status, error: { name: outcome.error.name, message: outcome.error.message } };
    return { ...candidate, outcome: rendered };
  });
  return `${JSON.stringify({ engines: report.engines, candidates, processScan: report.processScan, notes: report.notes }, null, 2)}\n`;
}

/** Runs the command; exit code 0 whether or not engines were found (the report says why). */
export async function listEngines(options: CliOptions): Promise<number> {
  const report = await discoverEngines({ procRoot: options.procRoot });
  await out(options.json ? renderDiscoveryJson(report) : renderDiscovery(report));
  return 0;
}
