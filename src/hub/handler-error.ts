import { BroadcastChatError } from '../errors.js';

/**
 * A message handler (from `hub.use()`) or a command handler threw or rejected. The message
 * it was handling is dropped; the connection and the hub go on. `cause` holds what it threw.
 */
export class HandlerError extends BroadcastChatError {
  /** Id of the peer whose message was being handled. */
  readonly peerId: string;
  /** The handler's name (its function name, `/command` for a command), or `#index` when it has none. */
  readonly handler: string;

  constructor(peerId: string, handler: string, cause: unknown) {
    super('ERR_HANDLER', `handler ${handler} failed on a message from ${peerId}: ${describe(cause)}`, { cause });
    this.peerId = peerId;
    this.handler = handler;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
