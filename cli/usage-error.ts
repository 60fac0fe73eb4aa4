/**
 * The error for a command line the CLI cannot accept.
 *
 * @module
 */

/** A command line the CLI cannot accept; the CLI prints the message and the usage text and exits 64. */
export class UsageError extends Error {
  /** Creates the error with a message naming the offending argument. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
