/**
 * The public API's documentation examples, read from `deno doc --json` of the
 * entry points: which exported symbols have a runnable example, and each
 * example as a module that imports the package from this checkout. Pure
 * functions over the JSON; tests/docs/examples.test.ts runs the modules.
 *
 * @module
 */

/** A fenced code block of a JSDoc comment. */
export interface CodeBlock {
  /** The info string's language (`ts`, `sh`, …), lower case; "" when none. */
  readonly lang: string;
  /** The info string's further words (`ignore`, `no-eval`, …). */
  readonly attributes: readonly string[];
  /** The code, without the fences. */
  readonly code: string;
}

/** One runnable example of an exported symbol (or of an entry point's module doc). */
export interface DocExample {
  /** `entry:symbol#n`, unique, stable across runs. */
  readonly id: string;
  /** Where it is documented, `file:line` relative to the repository root. */
  readonly where: string;
  /** The example's TypeScript source, as written in the docs. */
  readonly code: string;
}

/** An exported symbol and its runnable examples. */
export interface ExportedSymbol {
  /** The entry point that exports it (`mod.ts`, `testing.ts`). */
  readonly entry: string;
  /** Its exported name. */
  readonly name: string;
  /** Where it is declared, `file:line` relative to the repository root. */
  readonly where: string;
  /** Its runnable examples. */
  readonly examples: readonly DocExample[];
}

/** Languages whose blocks `deno test --doc` would run, and so do we. */
const RUNNABLE_LANGS: ReadonlySet<string> = new Set(["ts", "typescript", "js", "javascript"]);

/** The fenced code blocks of a markdown text. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const m of markdown.matchAll(/^([ \t]*)```([^\n`]*)\n([\s\S]*?)^\1```[ \t]*$/gm)) {
    const [lang = "", ...attributes] = m[2]!.trim().split(/\s+/).filter(Boolean);
    blocks.push({ lang: lang.toLowerCase(), attributes, code: m[3]! });
  }
  return blocks;
}

/** Whether a block is an example that runs (a script language, not marked `ignore`). */
export function isRunnable(block: CodeBlock): boolean {
  return RUNNABLE_LANGS.has(block.lang) && !block.attributes.includes("ignore");
}

interface DocJsDoc {
  readonly doc?: string;
  readonly tags?: ReadonlyArray<{ readonly kind: string; readonly doc?: string }>;
}

interface DocDeclaration {
  readonly kind: string;
  readonly location: { readonly filename: string; readonly line: number };
  readonly jsDoc?: DocJsDoc;
}

/** The part of `deno doc --json` (format version 2) read here. */
export interface DenoDocJson {
  readonly version: number;
  readonly nodes: Readonly<Record<string, {
    readonly module_doc?: DocJsDoc;
    readonly symbols?: ReadonlyArray<{ readonly name: string; readonly declarations?: readonly DocDeclaration[] }>;
  }>>;
}

/** The markdown texts of a JSDoc comment: its body and every `@example`. */
function jsDocTexts(jsDoc: DocJsDoc | undefined): string[] {
  if (jsDoc === undefined) return [];
  return [jsDoc.doc ?? "", ...(jsDoc.tags ?? []).filter((t) => t.kind === "example").map((t) => t.doc ?? "")];
}

function relative(fileUrl: string, rootUrl: string): string {
  return fileUrl.startsWith(rootUrl) ? fileUrl.slice(rootUrl.length) : fileUrl;
}

/**
 * Every symbol the entry points export, with its runnable examples, plus one
 * pseudo-symbol `(module)` per entry point for its module doc's examples.
 * `rootUrl` is the repository root as a file URL with a trailing slash.
 */
export function exportedSymbols(json: DenoDocJson, rootUrl: string): ExportedSymbol[] {
  if (json.version !== 2) throw new Error(`deno doc --json format ${json.version}: this reader knows format 2`);
  const symbols: ExportedSymbol[] = [];
  for (const [url, node] of Object.entries(json.nodes)) {
    const entry = relative(url, rootUrl);
    const examplesOf = (name: string, texts: string[], where: string): DocExample[] =>
      texts.flatMap(codeBlocks).filter(isRunnable).map((block, i) => ({ id: `${entry}:${name}#${i + 1}`, where, code: block.code }));
    const moduleExamples = examplesOf("(module)", jsDocTexts(node.module_doc), entry);
    if (node.module_doc !== undefined) symbols.push({ entry, name: "(module)", where: entry, examples: moduleExamples });
    for (const symbol of node.symbols ?? []) {
      const declarations = symbol.declarations ?? [];
      const first = declarations[0];
      const where = first === undefined ? entry : `${relative(first.location.filename, rootUrl)}:${first.location.line}`;
      const texts = declarations.flatMap((d) => jsDocTexts(d.jsDoc));
      symbols.push({ entry, name: symbol.name, where, examples: examplesOf(symbol.name, texts, where) });
    }
  }
  return symbols;
}

/** Package specifiers the examples import, and the entry point of this checkout each stands for. */
export const PACKAGE_SPECIFIERS: Readonly<Record<string, string>> = {
  "@whalewatcher/whalewatcher": "mod.ts",
  "@whalewatcher/whalewatcher/testing": "testing.ts",
  "whalewatcher": "mod.ts",
  "whalewatcher/testing": "testing.ts",
};

/**
 * An example as a module of its own: the package's specifiers (JSR's and
 * npm's names, also with `jsr:`/`npm:`) point at this checkout's entry points
 * under `rootUrl`; everything else is the example as written.
 */
export function exampleModule(example: DocExample, rootUrl: string): string {
  const code = example.code.replace(
    /(from\s+|import\s*\(\s*)(["'])(?:jsr:|npm:)?(@whalewatcher\/whalewatcher|whalewatcher)(\/testing)?\2/g,
    (_all, lead: string, quote: string, name: string, sub: string | undefined) =>
      `${lead}${quote}${rootUrl}${PACKAGE_SPECIFIERS[name + (sub ?? "")]}${quote}`,
  );
  return `// ${example.id} (${example.where})\n${code}\nexport {};\n`;
}
