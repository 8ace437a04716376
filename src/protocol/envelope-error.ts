import { BroadcastChatError } from '../errors.js';

/**
 * A line of the `json` framing was not a valid envelope: not JSON, an unknown type or
 * version, a field of the wrong type or size, or a forbidden key such as `__proto__`. The
 * line is dropped; a hub answers the sender with an `error` envelope.
 */
export class EnvelopeError extends BroadcastChatError {
  /** The offending field, when one is to blame. */
  readonly field: string | undefined;
  /** The peer that sent it, as `id (address:port)`, once known. */
  readonly peer: string | undefined;

  constructor(message: string, field?: string, peer?: string) {
    // The message goes back to the sender in an error envelope, so it does not name the peer.
    super('ERR_INVALID_ENVELOPE', message);
    this.field = field;
    this.peer = peer;
  }

  /** The same error, naming the peer that sent the envelope. */
  forPeer(peer: string): EnvelopeError {
    return new EnvelopeError(this.message, this.field, peer);
  }
}
