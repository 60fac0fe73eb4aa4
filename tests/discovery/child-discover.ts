/**
 * Run as a child (as user `nobody` by `nobody.test.ts`, under Deno with few
 * permissions by `deno-no-proc.test.ts`): discovers engines and prints the
 * report's candidates as `kind<TAB>endpoint<TAB>source<TAB>status` lines,
 * each failed one's error as a `why<TAB>endpoint<TAB>message` line, the
 * notes, then `done`.
 */
import { discoverEngines } from "../../engines/discovery.ts";

const report = await discoverEngines({ probeTimeout: 3_000 });
for (const candidate of report.candidates) {
  const { outcome } = candidate;
  console.log(`${candidate.kind}\t${candidate.endpoint}\t${candidate.sources[0]?.detail}\t${outcome.status}`);
  if ("error" in outcome) console.log(`why\t${candidate.endpoint}\t${outcome.error.message}`);
}
for (const note of report.notes) console.log(`note\t${note}`);
console.log(`processScan\t${report.processScan}`);
console.log("done");
