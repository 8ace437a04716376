import { BroadcastChatError } from '../errors.js';

/** What kind of name was refused. */
export type NameKind = 'nickname' | 'room';

/**
 * A nickname or room name was refused: `ERR_INVALID_NAME` when it breaks the rules (length,
 * characters), `ERR_NAME_TAKEN` when another peer already has that nickname. Thrown by
 * `peer.setNick()` and `peer.join()`; chat commands turn it into a reply to the sender.
 */
export class NameError extends BroadcastChatError {
  /** Whether a nickname or a room name was refused. */
  readonly kind: NameKind;
  /** The refused name. */
  readonly value: string;

  constructor(code: 'ERR_INVALID_NAME' | 'ERR_NAME_TAKEN', kind: NameKind, value: string, reason: string) {
    super(code, `${kind} '${value.slice(0, 40)}' ${reason}`);
    this.kind = kind;
    this.value = value;
  }
}
