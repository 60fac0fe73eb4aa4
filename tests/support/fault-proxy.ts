/**
 * A fault-injecting unix-socket proxy for reliability tests: it sits between
 * a client and a real engine socket and, on command, cuts, stalls, truncates,
 * corrupts or delays the traffic, or refuses new connections. Plain
 * `node:net`, so it runs on Node, Deno and Bun.
 *
 * "Downstream" is engine → client (responses, event streams); "upstream" is
 * client → engine (requests). Faults act on downstream data unless said
 * otherwise. Every fault applies to one {@linkcode ProxyConnection}; the
 * proxy-wide methods apply it to every live connection.
 *
 * The proxy also parses the HTTP/1.x request heads going upstream (see
 * {@linkcode FaultProxy.requests}), so that tests can assert read-only
 * behaviour and find the connection carrying a given request.
 *
 * @module
 */

import net from "node:net";
import { listen, unixSocketServer } from "./unix-server.ts";

/** One HTTP/1.x request head seen going upstream. */
export interface SeenRequest {
  /** Request method, e.g. `GET`. */
  readonly method: string;
  /** Request target, e.g. `/v1.41/events?since=…`. */
  readonly path: string;
  /** ID of the proxied connection that carried it. */
  readonly connection: number;
}

/** A one-shot downstream fault waiting for the next downstream bytes. */
type PendingFault =
  | { readonly kind: "cut-after"; remaining: number }
  | { readonly kind: "truncate" };

/** One client connection and its engine-side twin. */
export class ProxyConnection {
  /** Sequential ID within its proxy, from 1. */
  readonly id: number;
  /** Bytes forwarded engine → client so far. */
  bytesDown = 0;
  /** Bytes forwarded client → engine so far. */
  bytesUp = 0;
  /** Request heads seen on this connection (HTTP/1.x only). */
  readonly requests: SeenRequest[] = [];
  readonly #client: net.Socket;
  readonly #engine: net.Socket;
  readonly #proxy: FaultProxy;
  #pending: PendingFault | undefined;
  #delayMs = 0;
  /** Downstream chunks waiting for a stall or delay to pass, in order; `undefined` chunk = end. */
  #queue: Array<{ chunk: Buffer | undefined; dueAt: number }> = [];
  #stalledUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Set once the client's side is ending ({@linkcode ProxyConnection.cutInBody}): engine bytes are dropped. */
  #ending = false;
  #requestParser: HttpRequestParser;

  /** Connects a freshly accepted client socket to the engine. */
  constructor(id: number, client: net.Socket, target: string, proxy: FaultProxy) {
    this.id = id;
    this.#client = client;
    this.#proxy = proxy;
    this.#requestParser = new HttpRequestParser((method, path) => {
      const seen = { method, path, connection: id };
      this.requests.push(seen);
      proxy.requests.push(seen);
    });
    this.#engine = net.createConnection({ path: target });
    // Hold client bytes until the engine side is connected.
    client.pause();
    this.#engine.once("connect", () => client.resume());
    client.on("data", (chunk: Buffer) => {
      if (this.#closed) return;
      this.bytesUp += chunk.length;
      this.#requestParser.push(chunk);
      this.#engine.write(chunk);
    });
    this.#engine.on("data", (chunk: Buffer) => this.#downstream(chunk));
    const end = (): void => this.cut();
    client.on("close", end);
    client.on("error", end);
    this.#engine.on("error", end);
    // The engine's end of stream reaches the client after any held data.
    this.#engine.on("end", () => this.#downstream(undefined));
    this.#engine.on("close", () => {
      if (this.#queue.length === 0) this.cut();
      else if (this.#queue.at(-1)!.chunk !== undefined) this.#downstream(undefined);
    });
    client.on("end", () => this.#engine.end());
  }

  /** Whether both sockets are closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The request targets seen on this connection, joined for messages. */
  toString(): string {
    return `#${this.id} [${this.requests.map((r) => `${r.method} ${r.path}`).join(", ")}]`;
  }

  /** Destroys both sockets at once (the client sees a reset or EOF mid-stream). */
  cut(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#queue = [];
    this.#client.destroy();
    this.#engine.destroy();
    this.#proxy.forget(this);
  }

  /** Forwards `bytes` more downstream bytes, then cuts. */
  cutAfter(bytes: number): void {
    this.#pending = { kind: "cut-after", remaining: bytes };
  }

  /** Forwards the first half of the next downstream chunk (at least one byte), then cuts. */
  truncateNext(): void {
    this.#pending = { kind: "truncate" };
  }

  /** Sends `bytes` to the client now, ahead of anything the engine sends later. */
  inject(bytes: string | Uint8Array): void {
    if (this.#closed) return;
    const chunk = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
    this.#queue.push({ chunk, dueAt: 0 });
    this.#proxy.faults++;
    this.#flush();
  }

  /** Holds downstream data (and stops reading requests) for `ms`; the held data follows afterwards. */
  stall(ms: number): void {
    this.#stalledUntil = Math.max(this.#stalledUntil, Date.now() + ms);
    this.#client.pause();
    this.#flush();
  }

  /** Ends a stall now and releases the held data. */
  resume(): void {
    this.#stalledUntil = 0;
    for (const entry of this.#queue) entry.dueAt = 0;
    this.#flush();
  }

  /** Downstream bytes held back by a stall or delay. */
  get queuedBytes(): number {
    return this.#queue.reduce((sum, entry) => sum + (entry.chunk?.length ?? 0), 0);
  }

  /**
   * Body bytes held back behind a complete HTTP response head (head and body held by a stall), or
   * `undefined` while the held bytes hold no complete head.
   */
  get heldBodyBytes(): number | undefined {
    const end = this.#held().indexOf("\r\n\r\n");
    return end < 0 ? undefined : this.#held().length - end - 4;
  }

  /**
   * Releases the held response's head and half of its held body bytes, then cuts: the client has an
   * answer (a status) whose body breaks off, which no HTTP client can retry by itself, unlike a connection
   * cut before the answer (Deno's and Bun's fetch retry an idempotent request then). Needs a complete head
   * held ({@linkcode ProxyConnection.heldBodyBytes}).
   */
  cutInBody(): void {
    const held = this.#held();
    const end = held.indexOf("\r\n\r\n");
    if (end < 0) throw new Error(`cutInBody: no complete response head held on ${this}`);
    const body = held.length - end - 4;
    this.#queue = [];
    this.#ending = true;
    clearTimeout(this.#timer);
    this.#forward(held.subarray(0, end + 4 + (body >> 1)));
    this.#proxy.faults++;
    // cut once the client's socket has written the bytes out
    this.#client.end(() => this.cut());
  }

  #held(): Buffer {
    return Buffer.concat(this.#queue.flatMap((entry) => (entry.chunk === undefined ? [] : [entry.chunk])));
  }

  /** Delays every downstream chunk by `ms` from now on (0 ends the delay). */
  delay(ms: number): void {
    this.#delayMs = ms;
  }

  #downstream(chunk: Buffer | undefined): void {
    if (this.#closed || this.#ending) return;
    this.#queue.push({ chunk, dueAt: this.#delayMs > 0 ? Date.now() + this.#delayMs : 0 });
    this.#flush();
  }

  /** Writes queued chunks that are due, applying a pending one-shot fault. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (!this.#closed && this.#queue.length > 0) {
      const now = Date.now();
      const head = this.#queue[0]!;
      const due = Math.max(this.#stalledUntil, head.dueAt);
      if (due > now) {
        this.#timer = setTimeout(() => this.#flush(), due - now);
        return;
      }
      this.#client.resume();
      this.#queue.shift();
      if (head.chunk === undefined) {
        this.#queue = [];
        this.#client.end();
        return;
      }
      this.#write(head.chunk);
    }
    if (!this.#closed && this.#stalledUntil <= Date.now()) this.#client.resume();
  }

  #write(chunk: Buffer): void {
    const fault = this.#pending;
    if (fault?.kind === "truncate") {
      this.#pending = undefined;
      this.#forward(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
      this.#proxy.faults++;
      this.cut();
      return;
    }
    if (fault?.kind === "cut-after") {
      if (chunk.length >= fault.remaining) {
        this.#pending = undefined;
        this.#forward(chunk.subarray(0, fault.remaining));
        this.#proxy.faults++;
        this.cut();
        return;
      }
      fault.remaining -= chunk.length;
    }
    this.#forward(chunk);
  }

  #forward(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytesDown += chunk.length;
    this.#client.write(chunk);
  }
}

/**
 * Extracts request lines from an HTTP/1.x byte stream (client → server),
 * skipping bodies by Content-Length. Gives up on anything else (HTTP/2,
 * chunked request bodies), reporting it once as method `?`.
 */
class HttpRequestParser {
  #buffer = Buffer.alloc(0);
  #skip = 0;
  #gaveUp = false;
  readonly #onRequest: (method: string, path: string) => void;

  constructor(onRequest: (method: string, path: string) => void) {
    this.#onRequest = onRequest;
  }

  push(chunk: Buffer): void {
    if (this.#gaveUp) return;
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, this.#buffer.length);
        this.#buffer = this.#buffer.subarray(skipped);
        this.#skip -= skipped;
        if (this.#skip > 0) return;
      }
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (this.#buffer.length > 64 * 1024) this.#giveUp("request head over 64 KiB");
        return;
      }
      const head = this.#buffer.subarray(0, end).toString("latin1");
      this.#buffer = this.#buffer.subarray(end + 4);
      const [line = "", ...headers] = head.split("\r\n");
      const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(line);
      if (!match) return this.#giveUp(line.slice(0, 80));
      this.#onRequest(match[1]!, match[2]!);
      for (const header of headers) {
        const [name = "", value = ""] = header.split(/:\s*/, 2);
        if (/^content-length$/i.test(name)) this.#skip = Number(value) || 0;
        if (/^transfer-encoding$/i.test(name)) return this.#giveUp(`${match[1]} ${match[2]} with a chunked body`);
      }
    }
  }

  #giveUp(what: string): void {
    this.#gaveUp = true;
    this.#onRequest("?", what);
  }
}

/** Options of {@linkcode FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Where to listen; default: a fresh temporary directory. */
  socketPath?: string;
}

/** A running fault-injecting proxy in front of one unix socket. */
export class FaultProxy implements AsyncDisposable {
  /** The socket clients connect to. */
  readonly socketPath: string;
  /** The engine socket behind the proxy. */
  readonly target: string;
  /** Every HTTP/1.x request head seen on any connection, in order. */
  readonly requests: SeenRequest[] = [];
  /** Connections accepted so far (also the refused ones). */
  accepted = 0;
  /** Faults that took effect (cuts, truncations, refusals, injections, stalls). */
  faults = 0;
  readonly #live = new Set<ProxyConnection>();
  /** Stops the listener (and removes the socket directory the proxy made itself). */
  readonly #stopListening: () => Promise<void>;
  #refuseUntil = 0;
  #onConnection: ((connection: ProxyConnection) => void) | undefined;
  readonly #waiters = new Set<{ check(): void; fail(error: Error): void }>();

  private constructor(target: string, listener: { socket: string; close(): Promise<void> }) {
    this.target = target;
    this.socketPath = listener.socket;
    this.#stopListening = () => listener.close();
  }

  /** Starts a proxy for the engine socket `target` (a path or `unix://` URL). */
  static async start(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    // The proxy exists only once it listens; connections arrive only after that, so `proxy` is set by then.
    let proxy: FaultProxy | undefined;
    const server = net.createServer((client) => proxy!.#accept(client));
    const listener = options.socketPath === undefined
      ? await unixSocketServer(server, "proxy.sock")
      : { socket: options.socketPath, close: (await listen(server, options.socketPath)).close };
    proxy = new FaultProxy(target.replace(/^unix:\/\//, ""), listener);
    return proxy;
  }

  /** The proxy's address as a Docker host URL. */
  get url(): string {
    return `unix://${this.socketPath}`;
  }

  /** The live connections, oldest first. */
  get connections(): ProxyConnection[] {
    return [...this.#live];
  }

  /** Calls `listener` for each new (not refused) connection; undefined removes it. */
  onConnection(listener: ((connection: ProxyConnection) => void) | undefined): void {
    this.#onConnection = listener;
  }

  /** Closes new connections at once during the next `ms` (0 accepts again). */
  refuse(ms: number): void {
    this.#refuseUntil = ms > 0 ? Date.now() + ms : 0;
  }

  /** Cuts every live connection now; returns how many. */
  cutAll(): number {
    const live = this.connections;
    for (const connection of live) connection.cut();
    this.faults += live.length;
    return live.length;
  }

  /** Stalls every live connection for `ms`. */
  stallAll(ms: number): void {
    for (const connection of this.#live) connection.stall(ms);
    this.faults++;
  }

  /** Delays every live connection's downstream chunks by `ms` from now on. */
  delayAll(ms: number): void {
    for (const connection of this.#live) connection.delay(ms);
    this.faults++;
  }

  /** Injects `bytes` downstream on every live connection. */
  injectAll(bytes: string | Uint8Array): void {
    for (const connection of this.#live) connection.inject(bytes); // each counts as a fault
  }

  /** Truncates the next downstream chunk of every live connection (then cuts it). */
  truncateAll(): void {
    for (const connection of this.#live) connection.truncateNext();
  }

  /** The live connection that carried a request whose path contains `fragment`, if any. */
  connectionWith(fragment: string | ((connection: ProxyConnection) => boolean)): ProxyConnection | undefined {
    const matches = typeof fragment === "string" ? (c: ProxyConnection) => c.requests.some((r) => r.path.includes(fragment)) : fragment;
    return this.connections.find(matches);
  }

  /** Waits (bounded) until a live connection carries a request whose path contains `fragment` (or matches it). */
  waitForConnection(fragment: string | ((connection: ProxyConnection) => boolean), timeoutMs = 30_000): Promise<ProxyConnection> {
    return this.#waitFor(() => this.connectionWith(fragment), `a connection with ${String(fragment)}`, timeoutMs);
  }

  /** Waits (bounded) until at least `count` connections have been accepted. */
  waitForAccepted(count: number, timeoutMs = 30_000): Promise<number> {
    return this.#waitFor(() => (this.accepted >= count ? this.accepted : undefined), `${count} accepted connections`, timeoutMs);
  }

  #waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        check: (): void => {
          const found = probe();
          if (found === undefined) return;
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(found);
        },
        fail: (error: Error): void => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.fail(new Error(`fault proxy: no ${what} within ${timeoutMs} ms; live: ${this.connections.join(" ")}`)),
        timeoutMs,
      );
      this.#waiters.add(waiter);
      waiter.check();
    });
  }

  /** Re-checks the waiters; called whenever a connection or request appears. */
  notify(): void {
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  /** Drops a closed connection from the live set (called by the connection). */
  forget(connection: ProxyConnection): void {
    this.#live.delete(connection);
  }

  #accept(client: net.Socket): void {
    this.accepted++;
    client.on("error", () => {});
    if (Date.now() < this.#refuseUntil) {
      this.faults++;
      client.destroy();
      this.notify();
      return;
    }
    const connection = new ProxyConnection(this.accepted, client, this.target, this);
    this.#live.add(connection);
    client.on("data", () => queueMicrotask(() => this.notify()));
    this.#onConnection?.(connection);
    this.notify();
  }

  /** Stops listening, cuts every connection and removes the socket directory it created. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.cut();
    for (const waiter of [...this.#waiters]) waiter.fail(new Error("fault proxy closed"));
    await this.#stopListening();
  }

  /** Same as {@linkcode FaultProxy.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
