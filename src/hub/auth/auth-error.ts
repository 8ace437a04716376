import { BroadcastChatError } from '../../errors.js';

/**
 * Why a connection did not get past the `authenticate` hook:
 *
 * - `rejected`: the hook said no (returned `false`, or threw an `AuthError`).
 * - `error`: the hook threw (or rejected with) something else; `cause` holds it.
 * - `timeout`: nothing was decided within `authTimeout` (the client sent no credentials, or
 *   the hook was too slow).
 * - `too-large`: the client sent more than `maxPreAuthBytes` before it was let in.
 * - `closed`: the connection ended (the client left, or the hub closed) before a decision.
 */
export type AuthFailureReason = 'rejected' | 'error' | 'timeout' | 'too-large' | 'closed';

/**
 * A connection failed authentication. The hub reports one on its `authFailed` event.
 *
 * An `authenticate` hook may also throw one to refuse a client with a message of its own
 * (`throw new AuthError('token expired')`): that message is what the client is told. Any
 * other error a hook throws is reported as `cause` and the client is only told
 * `authentication failed`, so that internal details (a database error, say) never reach an
 * untrusted peer.
 */
export class AuthError extends BroadcastChatError {
  /** Why the connection was not let in. */
  readonly reason: AuthFailureReason;

  constructor(message = 'authentication failed', reason: AuthFailureReason = 'rejected', options?: ErrorOptions) {
    super('ERR_AUTH_FAILED', message, options);
    this.reason = reason;
  }
}
