/**
 * Docker Engine API version negotiation: which `/v1.NN` prefix this client
 * uses with a given engine.
 *
 * @module
 */

/**
 * The oldest API version this client uses. Every field it reads (inspect
 * `State.Pid`, `State.Paused`, `Config.Labels`, `HostConfig.Privileged`;
 * event `Type`, `Action`, `Actor`, `timeNano`) exists since then; 1.24 is
 * also the floor of every current daemon.
 */
export const OLDEST_API_VERSION = "1.24";

/**
 * The newest API version this client uses: moby's documented wire format up
 * to docker-v29.7.2 (API 1.55) keeps every field this client reads (1.52
 * only dropped the legacy event fields `status`, `id`, `from`, which it does
 * not use). Tested live: Debian 12 `docker.io` 20.10.24 (API 1.41) and
 * podman 4.3.1's Docker-compatible API (reports 1.41).
 */
export const NEWEST_API_VERSION = "1.55";

/** The API versions this client was tested against with real engines. */
export const TESTED_API_VERSIONS: readonly string[] = ["1.41"];

const VERSION = /^v?(\d+)\.(\d+)$/;

/**
 * Validates and normalises a `MAJOR.MINOR` version (a leading `v` is
 * dropped, as `DOCKER_API_VERSION` allows).
 *
 * @throws {TypeError} when `version` is not of that form.
 */
export function parseApiVersion(version: string): string {
  const match = VERSION.exec(version.trim());
  if (!match) throw new TypeError(`invalid Docker API version ${JSON.stringify(version)}: expected MAJOR.MINOR, e.g. 1.41`);
  return `${Number(match[1])}.${Number(match[2])}`;
}

/** Compares two `MAJOR.MINOR` versions: negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * The version to use with an engine whose `/_ping` announced `serverMax`
 * (its `Api-Version` header): the lower of it and
 * {@linkcode NEWEST_API_VERSION}, never below {@linkcode OLDEST_API_VERSION}.
 * Without a usable header, moby's client rule applies: use the newest.
 */
export function negotiateApiVersion(serverMax: string | null | undefined): string {
  let server: string;
  try {
    server = parseApiVersion(serverMax ?? "");
  } catch {
    return NEWEST_API_VERSION;
  }
  if (compareApiVersions(server, NEWEST_API_VERSION) > 0) return NEWEST_API_VERSION;
  if (compareApiVersions(server, OLDEST_API_VERSION) < 0) return OLDEST_API_VERSION;
  return server;
}
