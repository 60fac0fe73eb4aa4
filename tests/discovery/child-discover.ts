/**
 * Run as a child (as user `nobody`) by `nobody.test.ts`: discovers engines
 * and prints the report's candidates as `kind<TAB>endpoint<TAB>status` lines, then `done`.
 */
import { discoverEngines } from "../../engines/discovery.ts";

const report = await discoverEngines({ probeTimeout: 3_000 });
for (const candidate of report.candidates) {
  console.log(`${candidate.kind}\t${candidate.endpoint}\t${candidate.sources[0]?.detail}\t${candidate.outcome.status}`);
}
for (const note of report.notes) console.log(`note\t${note}`);
console.log(`processScan\t${report.processScan}`);
console.log("done");
