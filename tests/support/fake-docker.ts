/**
 * A scripted Docker engine on a unix socket speaking just enough of the
 * Docker API (HTTP/1.1 by hand on node:net, so that bodies can be exactly
 * the bad bytes of a fixture): `/_ping`, `/version`, `/info`,
 * `/containers/json`, `/containers/{id}/json` and `/events`.
 *
 * @module
 */

import net from "node:net";
import { join } from "node:path";
import { listen, makeTempDir, type TestServer } from "./unix-server.ts";

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
  #listening: TestServer | undefined;

  constructor(script: FakeDockerScript) {
    this.#script = script;
  }

  /** The socket as a Docker host URL. */
  get host(): string {
    return `unix://${this.socket}`;
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
    if (path === "/events") {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      const events = this.#script.events;
      for (let offset = 0; offset < events.length; offset += 64 * 1024) {
        const piece = events.subarray(offset, offset + 64 * 1024);
        socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        socket.write("\r\n");
      }
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
