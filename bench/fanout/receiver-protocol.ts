/** What a receiver process is asked to do, as its one argument (JSON). */
export interface ReceiverJob {
  /** Which server's wire the receivers speak. */
  readonly door: 'irc' | 'hub-ws' | 'ws';
  readonly port: number;
  /** The first receiver's global number (IRC nicks are `r<number>`, unique across processes). */
  readonly first: number;
  readonly count: number;
  /** The sender's window: at most this many messages ahead of the slowest receiver. */
  readonly window: number;
}

/**
 * A receiver process's reports over IPC: `ready` once every receiver is in, then `progress`
 * (at most once per event-loop turn, so a few a millisecond at most, not one per delivery).
 */
export type ReceiverReport =
  | { readonly type: 'ready' }
  /** `done`: messages 0 .. done-1 reached every receiver of this process; `errors`: messages that came out of order. */
  | { readonly type: 'progress'; readonly done: number; readonly errors: number }
  | { readonly type: 'failed'; readonly error: string };

/** What the parent tells a receiver process: close everything and exit. */
export interface ReceiverCommand {
  readonly type: 'stop';
}
