/**
 * Wraps a runtime's response body so that every runtime behaves alike:
 * read errors become typed errors, aborting ends a pending read at once, and
 * the request's bookkeeping is released exactly once when the body ends.
 *
 * @module
 */

/** How a wrapped body reports its end and maps its errors. */
export interface BodyHooks {
  /** Aborts when the request is cancelled; the body then errors with the reason. */
  signal: AbortSignal;
  /** Maps a read error of the runtime's body to the error the reader sees. */
  mapError(error: unknown): unknown;
  /** Called once when the body is done, failed or cancelled. */
  release(): void;
}

/** Returns a stream that relays `body` chunk by chunk (no read-ahead). */
export function wrapBody(body: ReadableStream<Uint8Array>, hooks: BodyHooks): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    hooks.signal.removeEventListener("abort", onAbort);
    hooks.release();
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onAbort = (): void => {
    // Do not rely on each runtime to fail a pending read promptly.
    controller.error(hooks.signal.reason);
    reader.cancel(hooks.signal.reason).catch(() => {});
    release();
  };
  return new ReadableStream<Uint8Array>({
    start(c): void {
      controller = c;
      if (hooks.signal.aborted) onAbort();
      else hooks.signal.addEventListener("abort", onAbort, { once: true });
    },
    async pull(c): Promise<void> {
      try {
        const { done, value } = await reader.read();
        if (released) return;
        if (done) {
          release();
          c.close();
        } else {
          c.enqueue(value);
        }
      } catch (error) {
        if (released) return;
        release();
        c.error(hooks.signal.aborted ? hooks.signal.reason : hooks.mapError(error));
      }
    },
    async cancel(reason): Promise<void> {
      release();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
