import type { ErrorEnvelope } from '../protocol/envelope.js';
import { BroadcastChatError, isBroadcastChatErrorCode } from '../errors.js';

/**
 * The hub refused what `JsonChatClient.connect()` asked for (the nickname, the credentials),
 * or the nickname a reconnection was restoring (that attempt fails and is retried; the error
 * is on `reconnecting`). `message` is the hub's. `code` is the hub's code when it is one of
 * this library's (`ERR_NAME_TAKEN`, `ERR_INVALID_NAME`, `ERR_AUTH_FAILED`...) and
 * `ERR_REFUSED` for any other (an application's own, sent with `ctx.refuse()`, say);
 * `hubCode` is the hub's code either way.
 */
export class RefusedError extends BroadcastChatError {
  /** The `code` of the hub's `error` envelope, exactly as sent. */
  readonly hubCode: string;

  constructor(refusal: Pick<ErrorEnvelope, 'code' | 'message'>) {
    super(isBroadcastChatErrorCode(refusal.code) ? refusal.code : 'ERR_REFUSED', refusal.message);
    this.hubCode = refusal.code;
  }
}
