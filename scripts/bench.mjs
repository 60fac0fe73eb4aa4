#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts one after the other (side by side within each), then writes
// their figures into BENCHMARKS.md (between the `bench:generated` markers) and draws the headline figures
// of every bench into bench/headlines.svg, which BENCHMARKS.md embeds.
//
// A bench hands over its result as one stdout line `@@whalewatcher-bench {json}` (bench/support/report.ts);
// a bench without one is quoted as its output. Benches that need dockerd get the private engines of
// scripts/engines.mjs (started for the run unless WW_TEST_DOCKER_HOST is set); WW_BENCH_KEEP=1 lets them
// share one set of bench containers, removed at the end. Plain Node ESM; benches run on a supported Node.
// Usage: node scripts/bench.mjs [SUBSTRING…]   (only the bench files whose names contain one)
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { supportedNode } from "./engines/node-lines.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MARKER = "@@whalewatcher-bench ";
const BEGIN = "<!-- bench:generated:begin -->";
const END = "<!-- bench:generated:end -->";
const SVG = "bench/headlines.svg";
const node = supportedNode(ROOT);
const only = process.argv.slice(2);
const files = fs.readdirSync(path.join(ROOT, "bench")).filter((f) => f.endsWith(".bench.ts")).sort()
  .filter((f) => only.length === 0 || only.some((s) => f.includes(s)));

let engineDir;
let env = { ...process.env, WW_BENCH_KEEP: "1" };
if (!env.WW_TEST_DOCKER_HOST) {
  engineDir = fs.mkdtempSync(`/tmp/ww-e-bench-${process.pid}-`);
  spawnSync(process.execPath, [path.join(ROOT, "scripts/engines.mjs"), "start", "--dir", engineDir], { stdio: ["ignore", "ignore", "inherit"] });
  try {
    env = { ...env, ...JSON.parse(fs.readFileSync(path.join(engineDir, "env.json"), "utf8")) };
  } catch {
    console.error("[bench] no private engines: the benches that need dockerd will fail");
  }
}

// The CLI memory bench runs the npm bin.
spawnSync(node, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });

function runBench(file) {
  return new Promise((resolve) => {
    console.error(`[bench] ${file} …`);
    const child = spawn(node, ["--expose-gc", path.join("bench", file)], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk.split("\n").filter((l) => !l.startsWith(MARKER)).join("\n"));
    });
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(MARKER));
      if (line) resolve({ file, code, ...JSON.parse(line.slice(MARKER.length)) });
      else resolve({ file, code, title: `\`bench/${file}\``, markdown: "```\n" + out.trim() + "\n```", headlines: [] });
    });
  });
}

const results = [];
try {
  for (const file of files) results.push(await runBench(file));
} finally {
  if (env.WW_TEST_DOCKER_HOST) {
    const ids = spawnSync("docker", ["-H", env.WW_TEST_DOCKER_HOST, "ps", "-aq", "--filter", "label=ww-bench-idle=1"], { encoding: "utf8" }).stdout
      .split("\n").filter(Boolean);
    if (ids.length) spawnSync("docker", ["-H", env.WW_TEST_DOCKER_HOST, "rm", "-f", ...ids], { stdio: "ignore" });
  }
  if (engineDir) spawnSync(process.execPath, [path.join(ROOT, "scripts/engines.mjs"), "stop", "--dir", engineDir], { stdio: "inherit" });
}

const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Horizontal bars: each headline's value as a share of its goal (1 = at the goal), with the goal line. */
function chart(headlines) {
  const rowH = 22, left = 300, width = 360, top = 30;
  const max = Math.max(1.5, ...headlines.map((h) => h.value / h.goal)) * 1.05;
  const x = (share) => left + (share / max) * width;
  const rows = headlines.map((h, i) => {
    const share = h.value / h.goal;
    const y = top + i * rowH;
    const color = share <= 1 ? "#2a9d5c" : "#d1495b";
    const value = h.unit === "MB" ? `${h.value.toFixed(1)} MB (goal ${h.goal})` : `${h.value.toFixed(2)}× (goal ${h.goal}×)`;
    return `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${escape(h.label)}</text>` +
      `<rect x="${left}" y="${y + 3}" width="${(x(share) - left).toFixed(1)}" height="${rowH - 8}" fill="${color}"/>` +
      `<text x="${(x(share) + 4).toFixed(1)}" y="${y + 14}">${escape(value)}</text>`;
  });
  const height = top + headlines.length * rowH + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 200}" height="${height}" font-family="sans-serif" font-size="12">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${left}" y="18" font-weight="bold">measured ÷ goal (bar left of the line: goal met)</text>` +
    rows.join("") +
    `<line x1="${x(1)}" y1="${top - 4}" x2="${x(1)}" y2="${height - 20}" stroke="#333" stroke-dasharray="4 3"/>` +
    `<text x="${x(1)}" y="${height - 6}" text-anchor="middle">goal</text></svg>\n`;
}

const headlines = results.flatMap((r) => r.headlines);
fs.writeFileSync(path.join(ROOT, SVG), chart(headlines));
const date = new Date().toISOString().slice(0, 16).replace("T", " ");
const generated = [
  BEGIN,
  `## Latest \`npm run bench\` (${date} UTC, Node ${process.versions.node} driving; generated, do not edit)`,
  "",
  `![headline figures against their goals](${SVG})`,
  "",
  ...results.flatMap((r) => [`### ${r.title}`, "", r.code === 0 ? "" : `(exited ${r.code})\n`, r.markdown, ""]),
  END,
].join("\n");
const doc = path.join(ROOT, "BENCHMARKS.md");
const text = fs.readFileSync(doc, "utf8");
const at = text.indexOf(BEGIN);
const next = at >= 0 ? text.slice(0, at) + generated + text.slice(text.indexOf(END) + END.length) : `${text.trimEnd()}\n\n${generated}\n`;
fs.writeFileSync(doc, next);
console.error(`[bench] wrote BENCHMARKS.md and ${SVG}`);
