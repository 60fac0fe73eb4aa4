/**
 * Helpers for the DockerClient tests against real engines: a read-only
 * guard around the real transport, and an event collector that waits for
 * matching events in any order (podman's events can arrive out of
 * timestamp order).
 *
 * @module
 */

import assert from "node:assert/strict";
import { DockerClient } from "../../engines/docker/mod.ts";
import type { EngineEvent, EventStream } from "../../lib/engine.ts";
import {
  createHttpTransport,
  type HttpEndpoint,
  type HttpReply,
  type HttpResponse,
  type HttpTransport,
} from "../../lib/transport/http.ts";
import { docker, stdoutOf, testImage } from "../support/engines.ts";

/** How long an engine action may take to show up on a busy 2-core machine. */
export const EVENT_TIMEOUT_MS = 30_000;

/** Every request method the guarded transports saw, with its path. */
export const seenRequests: Array<{ method: string; path: string }> = [];

/** Creates the real transport, wrapped so that any method but GET/HEAD fails the test run. */
export async function guardedTransport(endpoint: HttpEndpoint): Promise<HttpTransport> {
  const real = await createHttpTransport(endpoint);
  return {
    endpoint: real.endpoint,
    request(path, init = {}): Promise<HttpResponse> {
      const method = init.method ?? "GET";
      seenRequests.push({ method, path });
      if (method !== "GET" && method !== "HEAD") {
        return Promise.reject(new Error(`read-only violation: ${method} ${path}`));
      }
      return real.request(path, init);
    },
    get(path, init = {}): Promise<HttpReply> {
      seenRequests.push({ method: "GET", path });
      return real.get(path, init);
    },
    close: () => real.close(),
    [Symbol.asyncDispose]: () => real.close(),
  };
}

/** A client for a real engine with the guarded transport and no process environment. */
export function liveClient(host: string, concurrency?: number): DockerClient {
  return new DockerClient({ host, env: {}, transportFactory: guardedTransport, ...(concurrency ? { concurrency } : {}) });
}

/** Runs `docker -H host ...args`, returning trimmed stdout; throws on failure. */
export async function dockerOk(host: string, ...args: string[]): Promise<string> {
  return stdoutOf(await docker(host, ...args), `docker ${args.join(" ")}`);
}

/**
 * Runs `true` in a container with `docker exec`, whose events must not count as
 * lifecycle changes. Not on podman: podman 4.3's compat exec leaves two
 * `conmon` processes behind per exec, even after the container is removed (the
 * recorded podman stream in fixtures/podman covers its `exec` events instead).
 */
export async function execProbe(host: string, container: string, podman: boolean): Promise<void> {
  if (!podman) await dockerOk(host, "exec", container, "true");
}

/** `docker run -d --network none IMAGE sleep 1000` with extra flags before the image; returns the full ID. */
export function runSleeper(host: string, name: string, ...flags: string[]): Promise<string> {
  return dockerOk(host, "run", "-d", "--network", "none", "--name", name, ...flags, testImage(), "sleep", "1000");
}

/** Collects a subscription's events in the background. */
export class EventCollector implements AsyncDisposable {
  readonly events: EngineEvent[] = [];
  readonly stream: EventStream;
  #error: unknown;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;

  constructor(client: DockerClient, since?: number) {
    const stream = client.lifecycleEvents({ signal: this.#abort.signal, ...(since !== undefined ? { since } : {}) });
    this.stream = stream;
    this.#done = (async () => {
      try {
        for await (const event of stream) this.events.push(event);
      } catch (error) {
        this.#error = error;
      }
    })();
  }

  /** Waits until `count` events of `type` for container `id` were collected; returns them. */
  async waitFor(type: EngineEvent["type"], id: string, count = 1): Promise<EngineEvent[]> {
    const deadline = Date.now() + EVENT_TIMEOUT_MS;
    for (;;) {
      const matching = this.events.filter((e) => e.type === type && e.id === id);
      if (matching.length >= count) return matching;
      if (this.#error !== undefined) throw this.#error;
      if (Date.now() > deadline) {
        assert.fail(
          `no ${count}× ${type} for ${id.slice(0, 12)} within ${EVENT_TIMEOUT_MS} ms; saw ${
            this.events.map((e) => `${e.type} ${e.id.slice(0, 12)}`).join(", ") || "nothing"
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The events collected for one container, in arrival order. */
  of(id: string): EngineEvent[] {
    return this.events.filter((e) => e.id === id);
  }

  /** Ends the subscription; it must end quietly. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
    if (this.#error !== undefined) throw this.#error;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
