import type { ChatEvent } from './envelope.js';

/** What a formatter knows besides the event. */
export interface FormatContext {
  /** The hub's default room, which the default formatter leaves unnamed. */
  readonly defaultRoom: string;
}

/**
 * Renders a chat event as one line of text for peers on text framings (`line`, `auto`...).
 * Return `undefined` to show that event to nobody on text framings. The hub replaces
 * control characters in the result, so that no field can start a forged line.
 */
export type ChatFormatter = (event: ChatEvent, context: FormatContext) => string | undefined;

/**
 * The default rendering: `alice: hello`, `[dev] alice: hello` outside the default room,
 * `* alice waves` for actions, `[dm] alice: psst`, `* alice joined dev`,
 * `* guest-1 is now known as alice`, notices as `* text` and errors as `! text`.
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
      return `* ${event.nick} left ${event.room}${event.reason === undefined || event.reason === '' ? '' : ` (${event.reason})`}`;
    case 'nick':
      return `* ${event.from} is now known as ${event.nick}`;
    case 'system':
      return `* ${event.text}`;
    case 'error':
      return `! ${event.message}`;
  }
};

// C0 controls but tab, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/g;

/**
 * Makes rendered text safe for a line framing: a trailing newline is removed and any other
 * control character becomes a space, so that a message cannot end its line early and
 * inject a forged one (`hi\nadmin: ...`).
 */
export function toSafeLine(text: string): string {
  return text.replace(/\r?\n$/, '').replace(CONTROL, ' ');
}
