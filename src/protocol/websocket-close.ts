/**
 * Disconnect reasons as WebSocket close codes (RFC 6455 section 7.4) and back. Pure, with no
 * Node module, so that the browser client reads close frames with the same table the hub writes
 * them with.
 */
import type { DisconnectReason } from './disconnect-reason.js';
import { isKnownReason } from './control-frames.js';

/** Normal closure: the connection did what it was for. */
export const CLOSE_NORMAL = 1000;
/** Going away: the hub is shutting down (or a page is being left). */
export const CLOSE_GOING_AWAY = 1001;
/** No close frame at all: the connection was cut. Never sent; seen by whoever was cut. */
export const CLOSE_ABNORMAL = 1006;
/** Policy violation: the hub turned the client away (kicked, flood, idle, heartbeat...). */
export const CLOSE_POLICY = 1008;
/** Message too big: a frame over the hub's `maxMessageBytes`. */
export const CLOSE_TOO_LARGE = 1009;
/** Try again later: the hub is full. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** A close frame's code and reason (at most 123 bytes of UTF-8, as RFC 6455 allows). */
export interface CloseFrame {
  readonly code: number;
  readonly reason: string;
}

/** What a close frame says, read back: the disconnect reason, and when to come back if the hub said. */
export interface CloseMeaning {
  readonly reason: DisconnectReason;
  readonly retryAfterMs?: number;
}

/** The longest close reason a close frame can carry, in bytes. */
const MAX_CLOSE_REASON_BYTES = 123;

/** Decimal digits of a retry hint in a close reason: a hub never asks for more than 10 minutes anyway. */
const CLOSE_REASON = /^([a-z][a-z-]{0,31})(?: retry=(\d{1,9}))?(?::|$)/;

/** The code a hub closes with for `reason`. */
export function closeCodeFor(reason: DisconnectReason): number {
  switch (reason) {
    case 'shutdown':
      return CLOSE_GOING_AWAY;
    case 'too-large':
      return CLOSE_TOO_LARGE;
    case 'server-full':
      return CLOSE_TRY_AGAIN_LATER;
    case 'client-closed':
    case 'hub-closed':
    case 'closed':
      return CLOSE_NORMAL;
    default:
      return CLOSE_POLICY;
  }
}

/**
 * The close frame for a goodbye: the code for its reason, and a reason text that starts with
 * the disconnect reason and the retry hint, then the words for people, cut to fit:
 * `shutdown retry=4200: server shutting down; reconnect in 5 s`.
 */
export function closeFrameFor(farewell: { readonly reason: DisconnectReason; readonly message?: string | undefined; readonly retryAfterMs?: number | undefined }): CloseFrame {
  const retry = farewell.retryAfterMs === undefined ? '' : ` retry=${Math.max(0, Math.min(999_999_999, Math.round(farewell.retryAfterMs)))}`;
  const words = farewell.message === undefined || farewell.message === '' ? '' : `: ${farewell.message}`;
  return { code: closeCodeFor(farewell.reason), reason: fitCloseReason(`${farewell.reason}${retry}${words}`) };
}

/**
 * What a close frame from the hub means for a client: the reason and retry hint its text
 * starts with when it is one of ours, else what its code says. Any text is read safely.
 */
export function closeMeaning(code: number, reason: string): CloseMeaning {
  const match = CLOSE_REASON.exec(reason);
  const named = match?.[1];
  if (named !== undefined && isKnownReason(named)) {
    const retry = match?.[2];
    return retry === undefined ? { reason: named } : { reason: named, retryAfterMs: Number(retry) };
  }
  switch (code) {
    case CLOSE_GOING_AWAY:
      return { reason: 'shutdown' };
    case CLOSE_TOO_LARGE:
      return { reason: 'too-large' };
    case CLOSE_TRY_AGAIN_LATER:
      return { reason: 'server-full' };
    case CLOSE_POLICY:
      return { reason: 'kicked' };
    case CLOSE_ABNORMAL:
      return { reason: 'reset' };
    case CLOSE_NORMAL:
    case 1005:
      return { reason: 'hub-closed' };
    default:
      return { reason: 'error' };
  }
}

/**
 * Why a client's WebSocket ended, as the hub reports it, from the close code the client sent (or
 * 1006 when none came): a normal or going-away close is the client leaving; no close frame is a
 * reset; anything else (a protocol error the WebSocket library caught) is an error.
 */
export function clientCloseReason(code: number): DisconnectReason {
  if (code === CLOSE_NORMAL || code === CLOSE_GOING_AWAY || code === 1005) return 'client-closed';
  if (code === CLOSE_ABNORMAL) return 'reset';
  return 'error';
}

/** `text` cut to the 123 bytes of UTF-8 a close reason may have, never inside a character. */
export function fitCloseReason(text: string): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > MAX_CLOSE_REASON_BYTES) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
