/**
 * The Docker CLI's contexts (`docker context use …`): which one is current
 * (`DOCKER_CONTEXT`, else `currentContext` in the CLI's `config.json`) and
 * where its Docker endpoint is, read from the CLI's context store as the CLI
 * writes it: `contexts/meta/<sha256 of the name>/meta.json` and the TLS
 * material in `contexts/tls/<sha256 of the name>/docker/`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineError } from "../../lib/errors.ts";
import { mayReadEnv, mayReadFile } from "../../lib/permissions.ts";
import type { TlsSettings } from "../../lib/transport/http.ts";
import { isObject } from "./convert.ts";
import type { DockerEnv } from "./host.ts";

/** The context name that stands for "no context": `DOCKER_HOST` or the default socket. */
const DEFAULT_CONTEXT = "default";

/** Why no context was consulted where `HOME` may not be read (Deno without `--allow-env=HOME`). */
const HOME_DENIED = "HOME may not be read, so no Docker CLI context was consulted";

/** A context's Docker endpoint. */
export interface ContextEndpoint {
  /** The endpoint's `Host`, a `DOCKER_HOST`-style address. */
  host: string;
  /** TLS settings when the context has TLS material or skips verification. */
  tls?: TlsSettings;
  /** Which context, and what selected it, for messages. */
  source: string;
}

/** What the context lookup found. */
export type ContextLookup =
  | { kind: "context"; endpoint: ContextEndpoint }
  /** No context is selected; `note` says why one that may be meant was not consulted. */
  | { kind: "none"; note?: string };

/**
 * Finds the current context's Docker endpoint: `DOCKER_CONTEXT` wins, else
 * `currentContext` of `$DOCKER_CONFIG/config.json` (default
 * `$HOME/.docker`). The context `default` means none.
 *
 * @throws {EngineError} when a selected context cannot be read: it does not
 * exist, its metadata is malformed, or (Deno) reading it is not permitted.
 */
export function lookupDockerContext(env: DockerEnv): ContextLookup {
  const configDir = env.DOCKER_CONFIG || (env.HOME ? join(env.HOME, ".docker") : undefined);
  let name = env.DOCKER_CONTEXT;
  let origin = "DOCKER_CONTEXT";
  if (!name) {
    if (!configDir) return { kind: "none", ...(mayReadEnv("HOME") ? {} : { note: HOME_DENIED }) };
    const configFile = join(configDir, "config.json");
    if (!mayReadFile(configFile)) return { kind: "none", note: `${configFile} not read: no read permission` };
    const config = readJson(configFile, "optional", "the Docker CLI's config");
    const current = isObject(config) ? config.currentContext : undefined;
    if (typeof current !== "string" || current === "") return { kind: "none" };
    name = current;
    origin = `currentContext in ${configFile}`;
  }
  if (name === DEFAULT_CONTEXT) return { kind: "none" };
  const source = `docker context "${name}" (from ${origin})`;
  if (!configDir) {
    const hint = mayReadEnv("HOME") ? "set HOME or DOCKER_CONFIG" : "grant --allow-env=HOME, or set DOCKER_CONFIG";
    throw contextError(source, "the Docker CLI's context store cannot be located", hint);
  }
  const id = createHash("sha256").update(name).digest("hex");
  const metaFile = join(configDir, "contexts", "meta", id, "meta.json");
  if (!mayReadFile(metaFile)) {
    throw contextError(source, `reading ${metaFile} is not permitted`, `grant it: --allow-read=${configDir}`);
  }
  const meta = readJson(metaFile, "required", source);
  const docker = isObject(meta) && isObject(meta.Endpoints) ? meta.Endpoints.docker : undefined;
  if (!isObject(docker) || typeof docker.Host !== "string" || docker.Host === "") {
    throw contextError(source, `${metaFile} has no Docker endpoint (Endpoints.docker.Host)`, "check `docker context inspect`");
  }
  const tls = contextTls(join(configDir, "contexts", "tls", id, "docker"), docker.SkipTLSVerify === true, source);
  return { kind: "context", endpoint: { host: docker.Host, source, ...(tls ? { tls } : {}) } };
}

/** As the Docker CLI: TLS when the context holds TLS material or skips verification. */
function contextTls(dir: string, skipVerify: boolean, source: string): TlsSettings | undefined {
  const tls: TlsSettings = { verify: !skipVerify };
  let material = false;
  for (const file of ["ca", "cert", "key"] as const) {
    const path = join(dir, `${file}.pem`);
    if (!mayReadFile(path)) continue;
    const pem = readText(path, "optional", source);
    if (pem === undefined) continue;
    tls[file] = pem;
    material = true;
  }
  return material || skipVerify ? tls : undefined;
}

function readJson(path: string, need: "optional" | "required", source: string): unknown {
  const text = readText(path, need, source);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw contextError(source, `${path} is not valid JSON`, "repair or remove the file", cause);
  }
}

function readText(path: string, need: "optional" | "required", source: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      if (need === "optional") return undefined;
      throw contextError(source, `the context does not exist (no ${path})`, "list the contexts with `docker context ls`", cause);
    }
    throw contextError(source, `cannot read ${path}`, "check the file's permissions", cause);
  }
}

/** A context that cannot be used: a setting to repair, so retrying cannot help. */
function contextError(source: string, what: string, hint: string, cause?: unknown): EngineError {
  return new EngineError(`${source}: ${what}`, {
    endpoint: source,
    hint,
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
  });
}
