import { BroadcastChatError, type BroadcastChatErrorCode } from '../../errors.js';

/** The codes a `ModerationError` carries. */
export type ModerationErrorCode = Extract<
  BroadcastChatErrorCode,
  'ERR_NOT_OPERATOR' | 'ERR_OPER_FAILED' | 'ERR_BAD_MASK' | 'ERR_BAD_DURATION' | 'ERR_TOO_MANY_BANS' | 'ERR_BANNED' | 'ERR_MUTED' | 'ERR_NO_SUCH_NICK'
>;

/**
 * A moderation action was refused or could not be understood: a mask or duration that is not
 * one (`ERR_BAD_MASK`, `ERR_BAD_DURATION`), a full ban list, a banned name or room
 * (`ERR_BANNED`), a muted sender (`ERR_MUTED`), no such client, or no operator privilege.
 * Thrown by `hub.moderation` methods; a client's command gets its message as the refusal.
 */
export class ModerationError extends BroadcastChatError {
  declare readonly code: ModerationErrorCode;

  // Not useless: it narrows the codes a moderation error may carry.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: ModerationErrorCode, message: string) {
    super(code, message);
  }
}
