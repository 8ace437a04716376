import type { ChatEvent } from './envelope.js';
import { defuseFarewellLine } from './farewell-lookalike.js';
import { inertText } from './inert-text.js';

/** What a formatter knows besides the event. */
export interface FormatContext {
  /** The hub's default room, which the default formatter leaves unnamed. */
  readonly defaultRoom: string;
}

/**
 * Renders a chat event as one line of text for peers on text framings (`line`, `auto`...).
 * Return `undefined` to show that event to nobody on text framings. The hub passes the result
 * through `toSafeLine`, so that no field can start a forged line or pass for a hub farewell.
 */
export type ChatFormatter = (event: ChatEvent, context: FormatContext) => string | undefined;

/**
 * The default rendering: `alice: hello`, `[dev] alice: hello` outside the default room,
 * `* alice waves` for actions, `[dm] alice: psst`, `* alice joined dev`,
 * `* guest-1 is now known as alice`, `* bob was kicked from dev by ada (spam)`, `* topic of dev:
 * text (set by ada)`, notices as `* text` and errors as `! text`.
 */
export const defaultFormatter: ChatFormatter = (event, context) => {
  switch (event.type) {
    case 'message': {
      const where = event.room === context.defaultRoom ? '' : `[${event.room}] `;
      return event.action === true ? `${where}* ${event.sender} ${event.text}` : `${where}${event.sender}: ${event.text}`;
    }
    case 'direct':
      return `[dm] ${event.sender}: ${event.text}`;
    case 'join':
      return `* ${event.nick} joined ${event.room}`;
    case 'leave':
      if (event.kicked === true) return `* ${event.nick} was kicked from ${event.room} by ${event.by ?? 'server'}${event.reason === undefined || event.reason === '' ? '' : ` (${event.reason})`}`;
      return `* ${event.nick} left ${event.room}${event.reason === undefined || event.reason === '' ? '' : ` (${event.reason})`}`;
    case 'nick':
      return `* ${event.from} is now known as ${event.nick}`;
    case 'system':
      return `* ${event.text}`;
    case 'error':
      return `! ${event.message}`;
    case 'topic':
      return event.text === '' ? `* the topic of ${event.room} was cleared${event.by === undefined ? '' : ` by ${event.by}`}` : `* topic of ${event.room}: ${event.text}${event.by === undefined ? '' : ` (set by ${event.by})`}`;
  }
};

/**
 * Makes rendered text safe for a line framing: a trailing newline is removed, any other line
 * break or control character (C0, DEL, C1, U+2028, U+2029) becomes a space and any invisible
 * format character that can hide or reorder text (bidi overrides and isolates, zero width
 * space, BOM...) becomes U+FFFD (see `inertText`), so that a message can neither end its line
 * early and inject a forged one (`hi\nadmin: ...`) nor drive the reader's terminal. A line
 * that would read as the hub's own farewell gets a `\` in front (see `defuseFarewellLine`),
 * so that no message can pass for one. The result is never longer than `text`, but for that `\`.
 */
export function toSafeLine(text: string): string {
  return defuseFarewellLine(inertText(text.replace(/\r?\n$/, '')));
}
