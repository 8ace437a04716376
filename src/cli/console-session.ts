/** A console program that has started: its outcome, and how to ask it to stop. */
export interface ConsoleSession {
  /** Resolves with the exit code once the program has finished. Never rejects. */
  readonly done: Promise<number>;
  /**
   * Asks for a graceful stop, as `exit` does (SIGINT and SIGTERM call this). Asking again
   * while the stop is under way cuts what is left at once.
   */
  stop(): void;
}
