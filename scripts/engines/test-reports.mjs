// Reads the pass/fail/skip counts out of each test runner's own output (leaf tests, not suites).

/** Counts from one runner, or undefined fields when its summary was not found. */
function counts(passed, failed, skipped) {
  return { passed, failed, skipped };
}

const num = (text, re) => {
  const m = text.match(re);
  return m ? Number(m[1]) : undefined;
};

/** Node's TAP reporter ends with `# pass N`, `# fail N`, `# cancelled N`, `# skipped N`, `# todo N`. */
export function parseNodeTap(text) {
  const pass = num(text, /^# pass (\d+)$/m);
  const fail = num(text, /^# fail (\d+)$/m);
  if (pass === undefined || fail === undefined) return undefined;
  const cancelled = num(text, /^# cancelled (\d+)$/m) ?? 0;
  const skipped = (num(text, /^# skipped (\d+)$/m) ?? 0) + (num(text, /^# todo (\d+)$/m) ?? 0);
  return counts(pass, fail + cancelled, skipped);
}

/**
 * Deno's TAP reporter has no totals line; count the leaf results: a result line preceded by a plan
 * (`1..n`) of a deeper level closes a parent (describe/test with steps) and is not counted.
 */
export function parseDenoTap(text) {
  const lines = text.split("\n");
  if (!lines.some((l) => l.startsWith("TAP version"))) return undefined;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let lastPlanIndent = -1;
  let inYaml = false;
  let sawTopPlan = false;
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (inYaml) {
      if (body === "...") inYaml = false;
      continue;
    }
    if (body === "---") {
      inYaml = true;
      continue;
    }
    if (/^1\.\.\d+$/.test(body)) {
      lastPlanIndent = indent;
      if (indent === 0) sawTopPlan = true;
      continue;
    }
    const result = body.match(/^(not ok|ok) \d+( - .*)?$/);
    if (!result) continue;
    const isParent = lastPlanIndent > indent;
    lastPlanIndent = -1;
    if (isParent) continue;
    if (result[1] === "not ok") failed++;
    else if (/# (SKIP|TODO)\b/i.test(body)) skipped++;
    else passed++;
  }
  if (!sawTopPlan) return undefined;
  return counts(passed, failed, skipped);
}

/** bun test ends with ` N pass`, ` N skip`, ` N todo`, ` N fail` lines. */
export function parseBun(text) {
  const pass = num(text, /^\s*(\d+) pass$/m);
  const fail = num(text, /^\s*(\d+) fail$/m);
  if (pass === undefined && fail === undefined) return undefined;
  const skipped = (num(text, /^\s*(\d+) skip$/m) ?? 0) + (num(text, /^\s*(\d+) todo$/m) ?? 0);
  return counts(pass ?? 0, fail ?? 0, skipped);
}
