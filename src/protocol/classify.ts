import type { ClientEnvelope } from './envelope.js';

/**
 * What one decoded message is, decided once, where it is decoded, so that every layer after
 * (the auth gate, flood control, liveness, chat) reads the answer instead of looking again.
 *
 * - `message`: something to say (text, bytes, or a JSON `message` envelope).
 * - `command`: a slash command (`/join dev`), or a JSON envelope that stands for one (`join`,
 *   `leave`, `nick`, `direct`, and the moderation envelopes `oper`, `kick`, `ban`...).
 * - `hello`: a client introducing itself: a JSON `hello` (nickname, credentials), or a text
 *   line `/auth <credentials>`, which is never relayed, whether or not the hub asks for them.
 * - `pong`: the answer to the hub's heartbeat; never a message.
 */
export type InputKind = 'message' | 'command' | 'hello' | 'pong';

const SLASH = 0x2f;

/** How a text client presents its credentials: `/auth <token>`. */
export const AUTH_PREFIX = '/auth ';

/**
 * Classifies a message that one of the built-in framings decoded: a string (text framings),
 * bytes (`length`) or a validated client envelope (`json`). Costs one `typeof` and one
 * character read on the text paths.
 */
export function classify(message: unknown): InputKind {
  if (typeof message === 'string') {
    if (message.charCodeAt(0) !== SLASH) return 'message';
    // `//text` is the escape for text that starts with a slash: a message, not a command.
    if (message.charCodeAt(1) === SLASH) return 'message';
    return message.startsWith(AUTH_PREFIX) ? 'hello' : 'command';
  }
  if (typeof message !== 'object' || message === null || message instanceof Uint8Array) return 'message';
  switch ((message as Partial<ClientEnvelope>).type) {
    case 'hello':
      return 'hello';
    case 'pong':
      return 'pong';
    case 'join':
    case 'leave':
    case 'nick':
    case 'direct':
    case 'oper':
    case 'kick':
    case 'ban':
    case 'unban':
    case 'bans':
    case 'mute':
    case 'unmute':
    case 'topic':
      return 'command';
    default:
      return 'message';
  }
}
