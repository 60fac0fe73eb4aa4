/**
 * Packaging facts: versions agree, the Deno permission set is least
 * privilege, and the npm tarball holds only what users need.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../lib/runtime.ts";
import { VERSION } from "../../cli/version.ts";
import { ROOT } from "./child.ts";

const packageJson = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));
const denoJson = JSON.parse(readFileSync(`${ROOT}deno.json`, "utf8"));
const SOCKETS = ["/var/run/docker.sock", "/run/containerd/containerd.sock"];

describe("packaging", () => {
  it("the CLI, package.json and deno.json carry the same version", () => {
    assert.equal(packageJson.version, VERSION);
    assert.equal(denoJson.version, VERSION);
  });

  it("the default Deno permission set grants exactly the default sockets, localhost and the DOCKER_* variables", () => {
    assert.deepEqual(denoJson.permissions, {
      default: {
        read: SOCKETS,
        write: SOCKETS,
        net: [...SOCKETS.map((s) => `unix:${s}`), "localhost"],
        env: ["DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT", "DOCKER_CONFIG"],
      },
    });
  });

  it("package.json exports ESM with types and the whalewatcher bin", () => {
    assert.deepEqual(packageJson.exports["."], { types: "./dist/mod.d.ts", import: "./dist/mod.js" });
    assert.deepEqual(packageJson.exports["./testing"], { types: "./dist/testing.d.ts", import: "./dist/testing.js" });
    assert.equal(packageJson.bin.whalewatcher, "dist/cli/bin.js");
    assert.equal(packageJson.type, "module");
  });

  const packSkip = runtime === "node"
    ? undefined
    : `SKIPPED: npm pack builds dist/ and is runtime-independent; checked once under Node, not under ${runtime}`;
  it("npm pack holds the built JS, .d.ts, README and package.json only", { skip: packSkip, timeout: 180_000 }, async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile("npm", ["pack", "--dry-run", "--json"], { cwd: ROOT, maxBuffer: 16 << 20 }, (error, out, err) => {
        if (error) reject(new Error(`${error.message}\n${err}`));
        else resolve(out);
      });
    });
    // npm prints the prepack build's output before the JSON.
    const files = (JSON.parse(stdout.slice(stdout.indexOf("[\n"))) as Array<{ files: Array<{ path: string }> }>)[0]!
      .files.map((f) => f.path);
    for (const needed of ["package.json", "README.md", "dist/mod.js", "dist/mod.d.ts", "dist/testing.js", "dist/testing.d.ts", "dist/cli/bin.js"]) {
      assert.ok(files.includes(needed), `${needed} is packed`);
    }
    const unwanted = files.filter((f) =>
      !(f === "package.json" || f === "README.md" || f === "LICENSE" ||
        (f.startsWith("dist/") && (f.endsWith(".js") || f.endsWith(".d.ts")) && !/^dist\/(tests|bench|scripts|fixtures)\//.test(f)))
    );
    assert.deepEqual(unwanted, [], "nothing but dist JS/.d.ts, README, LICENSE and package.json");
    assert.ok(files.some((f) => f === "dist/engines/containerd/client.js") && files.some((f) => f === "dist/lib/watcher.js"));
    assert.equal(readFileSync(`${ROOT}dist/cli/bin.js`, "utf8").split("\n")[0], "#!/usr/bin/env node");
  });

  it("the packed tarball installs into a scratch project where `npx whalewatcher --help` and `bunx --bun` work and types resolve, also for CommonJS",
    { skip: packSkip, timeout: 300_000 }, async () => {
      const scratch = mkdtempSync(join(tmpdir(), "ww-npm-scratch-"));
      const run = (command: string, args: string[]): Promise<string> =>
        new Promise((resolve, reject) => {
          execFile(command, args, { cwd: scratch, maxBuffer: 16 << 20 }, (error, out, err) => {
            if (error) reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${out}\n${err}`));
            else resolve(out);
          });
        });
      try {
        await run("npm", ["pack", "--pack-destination", scratch, "--prefix", ROOT, ROOT]);
        writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
        await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(scratch, `whalewatcher-${VERSION}.tgz`)]);
        assert.match(await run("npx", ["--no-install", "whalewatcher", "--help"]), /^Usage: whalewatcher \[options\]/);
        // bunx runs the same installed bin, under the Bun runtime with --bun.
        const bun = join(ROOT, "node_modules", ".bin", "bun");
        assert.match(await run(bun, ["x", "--bun", "whalewatcher", "--help"]), /^Usage: whalewatcher \[options\]/);
        writeFileSync(
          join(scratch, "use.ts"),
          'import { DockerClient, Watcher, type LifecycleEvent } from "whalewatcher";\n' +
            'import type { TransportFactory } from "whalewatcher/testing";\n' +
            "const name = (e: LifecycleEvent): string => e.container.name;\n" +
            "export const noTransport: TransportFactory = () => Promise.reject(new Error(\"none\"));\n" +
            "export const watcher: Watcher = new Watcher(new DockerClient());\nexport { name };\n",
        );
        await run(process.execPath, [
          join(ROOT, "node_modules", "typescript", "bin", "tsc"),
          "--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022",
          "--lib", "es2023,dom,esnext.disposable,esnext.asynciterable", "use.ts",
        ]);

        // The same project as `npm init -y` makes it (CommonJS): what the README tells CommonJS users works,
        // a dynamic import() in an async function, run by Node and type-checked by tsc (NodeNext keeps the import()).
        rmSync(join(scratch, "package.json"));
        await run("npm", ["init", "-y"]);
        const made = JSON.parse(readFileSync(join(scratch, "package.json"), "utf8")) as { type?: string };
        assert.notEqual(made.type, "module", "npm init -y makes a CommonJS project");
        const cjs = "async function main() {\n" +
          '  const { DockerClient, Watcher } = await import("whalewatcher");\n' +
          '  console.log(typeof DockerClient, typeof Watcher, new DockerClient({ host: "unix:///x.sock" }).api);\n' +
          "}\nvoid main();\n";
        writeFileSync(join(scratch, "cjs.js"), cjs);
        assert.equal(await run(process.execPath, ["cjs.js"]), "function function unix:///x.sock\n");
        writeFileSync(join(scratch, "cjs.ts"), cjs.replace("async function main() {", "async function main(): Promise<void> {"));
        await run(process.execPath, [
          join(ROOT, "node_modules", "typescript", "bin", "tsc"),
          "--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022",
          "--lib", "es2023,dom,esnext.disposable,esnext.asynciterable", "cjs.ts",
        ]);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
});
