/**
 * A scripted Docker engine on a unix socket speaking just enough of the
 * Docker API (HTTP/1.1 by hand on node:net, so that bodies can be exactly
 * the bad bytes of a fixture): `/_ping`, `/version`, `/info`,
 * `/containers/json`, `/containers/{id}/json` and `/events`.
 *
 * Besides the fixed bytes of its script, `/events` serves an event log as dockerd does: the log keeps the
 * newest {@linkcode DOCKERD_EVENT_LOG} events; a request with `since` replays those at or after it (and at or
 * before `until`, after which the response ends: a backlog), keeps only those the `filters` (`type`,
 * `event`) select, and then, without `until`, stays subscribed to new ones. Like dockerd, a subscription
 * can go live later than the client thinks ({@linkcode FakeDocker.holdSubscriptions}): the client's
 * `subscribed` settles before the request is registered, and only `since` brings back what happened in
 * between.
 *
 * @module
 */

import net from "node:net";
import { join } from "node:path";
import { listen, makeTempDir, type TestServer } from "./unix-server.ts";

/** How many events dockerd keeps for `since` (its events service's buffer); older ones are lost. */
export const DOCKERD_EVENT_LOG = 256;

/** One logged event: its time and its JSON message. */
interface LoggedEvent {
  readonly timeNano: bigint;
  readonly message: { Type?: string; Action?: string; [key: string]: unknown };
}

/** A live `/events` subscription. */
interface Subscriber {
  readonly socket: net.Socket;
  readonly filters: Filters;
}

/** The `filters` of an `/events` request that the fake honours. */
interface Filters {
  readonly type?: readonly string[];
  readonly event?: readonly string[];
}

/** What the fake engine serves. Bodies are raw bytes. */
export interface FakeDockerScript {
  /** Body of `/containers/json`. */
  list: Uint8Array;
  /** Bodies of `/containers/{id}/json` by ID; other IDs get a 404. */
  inspect: Map<string, Uint8Array>;
  /** Bytes sent on every `/events` stream right after its headers; the stream then stays open. */
  events: Uint8Array;
}

/** A running fake Docker engine. */
export class FakeDocker implements AsyncDisposable {
  readonly #dir = makeTempDir();
  /** The socket path. */
  readonly socket = join(this.#dir.path, "docker.sock");
  /** Request targets received, in order. */
  readonly requests: string[] = [];
  readonly #script: FakeDockerScript;
  readonly #server = net.createServer((socket) => this.#serve(socket));
  #eventsRefused: string | undefined;
  readonly #log: LoggedEvent[] = [];
  readonly #subscribers = new Set<Subscriber>();
  #held: (() => void)[] | undefined;
  readonly #registrationWaiters: (() => void)[] = [];
  #listening: TestServer | undefined;

  constructor(script: FakeDockerScript) {
    this.#script = script;
  }

  /** The socket as a Docker host URL. */
  get host(): string {
    return `unix://${this.socket}`;
  }

  /**
   * From now on `/events` answers `status` (say `403 Forbidden`: a socket proxy that forbids it, which no
   * retry heals); with `undefined`, it streams again.
   */
  refuseEvents(status: string | undefined): void {
    this.#eventsRefused = status;
  }

  /**
   * Logs an event (`timeNano` defaults to now) and sends it to every live subscription whose filters
   * select it.
   */
  emit(message: { Type?: string; Action?: string; timeNano?: number | bigint; [key: string]: unknown }): void {
    const timeNano = BigInt(message.timeNano ?? Date.now() * 1e6);
    const event: LoggedEvent = { timeNano, message: { ...message, timeNano: Number(timeNano) } };
    this.#log.push(event);
    if (this.#log.length > DOCKERD_EVENT_LOG) this.#log.shift();
    for (const subscriber of this.#subscribers) {
      if (selects(subscriber.filters, event)) writeChunk(subscriber.socket, line(event));
    }
  }

  /**
   * Holds `/events` subscriptions from now on: their headers go out, but the subscription is registered
   * (replay, then live events) only at {@linkcode FakeDocker.releaseSubscriptions}.
   */
  holdSubscriptions(): void {
    this.#held ??= [];
  }

  /** Registers the held subscriptions and stops holding. */
  releaseSubscriptions(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const register of held) register();
  }

  /** Resolves at the next registration of a live `/events` subscription. */
  nextRegistration(): Promise<void> {
    return new Promise((resolve) => this.#registrationWaiters.push(resolve));
  }

  /** How many `/events` subscriptions are registered and live. */
  get liveSubscriptions(): number {
    return this.#subscribers.size;
  }

  /** Drops every open connection (event streams included), as an engine that went away and came back. */
  dropConnections(): void {
    this.#listening?.cut();
  }

  /** Starts listening. */
  async listen(): Promise<this> {
    this.#listening = await listen(this.#server, this.socket);
    return this;
  }

  #serve(socket: net.Socket): void {
    socket.on("error", () => {});
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
        const [method = "", target = ""] = buffer.subarray(0, end).toString("latin1").split(" ");
        buffer = buffer.subarray(end + 4);
        this.requests.push(`${method} ${target}`);
        this.#answer(socket, method, target);
      }
    });
  }

  #answer(socket: net.Socket, method: string, target: string): void {
    // Deno sends absolute-form targets (`http://host/path`) over unix sockets.
    const path = target.replace(/^https?:\/\/[^/]+/, "").replace(/^\/v1\.\d+/, "").split("?")[0] ?? "";
    const json = (status: string, body: Uint8Array | string): void => {
      const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
      socket.write(
        `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nDate: ${new Date().toUTCString()}\r\n` +
          `Content-Length: ${bytes.length}\r\n\r\n`,
      );
      socket.write(bytes);
    };
    if (method !== "GET" && method !== "HEAD") return json("405 Method Not Allowed", '{"message":"read-only fake"}');
    if (path === "/_ping") return json("200 OK", "OK");
    if (path === "/version") return json("200 OK", '{"Version":"20.10.99-fake","ApiVersion":"1.41"}');
    if (path === "/info") return json("200 OK", '{"ID":"FAKE:DOCKER"}');
    if (path === "/containers/json") return json("200 OK", this.#script.list);
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (inspect) {
      const body = this.#script.inspect.get(decodeURIComponent(inspect[1]!));
      return body ? json("200 OK", body) : json("404 Not Found", '{"message":"No such container"}');
    }
    if (path === "/events" && this.#eventsRefused) return json(this.#eventsRefused, '{"message":"refused by the fake"}');
    if (path === "/events") {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      const events = this.#script.events;
      for (let offset = 0; offset < events.length; offset += 64 * 1024) writeChunk(socket, events.subarray(offset, offset + 64 * 1024));
      const query = new URLSearchParams(target.split("?")[1] ?? "");
      const since = timeNanoOf(query.get("since"));
      const until = timeNanoOf(query.get("until"));
      const filters = JSON.parse(query.get("filters") ?? "{}") as Filters;
      const register = (): void => {
        if (socket.destroyed) return;
        // Like dockerd, only a request with `since` or `until` reads the log: without both, nothing is replayed.
        const replays = since !== undefined || until !== undefined;
        for (const event of replays ? this.#log : []) {
          if ((since === undefined || event.timeNano >= since) && (until === undefined || event.timeNano <= until)) {
            if (selects(filters, event)) writeChunk(socket, line(event));
          }
        }
        if (until !== undefined) {
          socket.write("0\r\n\r\n"); // the backlog ends
          return;
        }
        const subscriber = { socket, filters };
        this.#subscribers.add(subscriber);
        socket.on("close", () => this.#subscribers.delete(subscriber));
        for (const registered of this.#registrationWaiters.splice(0)) registered();
      };
      if (this.#held && until === undefined) this.#held.push(register);
      else register();
      return;
    }
    json("404 Not Found", '{"message":"page not found"}');
  }

  /** Stops listening, drops every connection and removes the socket directory. */
  async close(): Promise<void> {
    await this.#listening?.close();
    this.#dir.remove();
  }

  /** Same as {@linkcode FakeDocker.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function writeChunk(socket: net.Socket, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  socket.write(`${bytes.length.toString(16)}\r\n`);
  socket.write(bytes);
  socket.write("\r\n");
}

function line(event: LoggedEvent): Uint8Array {
  return Buffer.from(`${JSON.stringify(event.message)}\n`);
}

function selects(filters: Filters, event: LoggedEvent): boolean {
  if (filters.type && !filters.type.includes(event.message.Type ?? "")) return false;
  if (filters.event && !filters.event.includes(event.message.Action ?? "")) return false;
  return true;
}

/** `SECONDS[.FRACTION]` (the events API's time format) as nanoseconds. */
function timeNanoOf(value: string | null): bigint | undefined {
  if (value === null || value === "") return undefined;
  const [seconds = "0", fraction = ""] = value.split(".");
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0").slice(0, 9));
}

/** An inspect body of an alive container. */
export function inspectJson(id: string, pid: number, labels: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Id: id,
    Name: `/${id}`,
    State: { Pid: pid, Running: true, Paused: false },
    Config: { Labels: labels },
    HostConfig: {},
  });
}

/** A Docker `/events` line starting container `id`. */
export function startLine(id: string): string {
  return `${JSON.stringify({ Type: "container", Action: "start", Actor: { ID: id, Attributes: {} }, timeNano: Date.now() * 1e6 })}\n`;
}
