import type { ChatMessage, DirectMessage } from '../client/json-chat-client.js';
import type { ChatEvent } from '../protocol/envelope.js';
import { defaultFormatter } from '../internals.js';
import { printable } from './terminal.js';

/** The prompt of the documented client, and of a chat client that does not know its name yet. */
export const PLAIN_PROMPT = 'You: ';

/**
 * The prompt of a chat client: `alice: `, or `[dev] alice: ` outside the default room, so
 * that a line typed and entered reads as the others' lines do (the hub does not echo it).
 */
export function chatPrompt(nick: string, room: string, defaultRoom: string): string {
  if (nick === '') return PLAIN_PROMPT;
  return room === '' || room === defaultRoom ? `${nick}: ` : `[${room}] ${nick}: `;
}

/**
 * A chat event as one line, the way a chat hub shows it to its text clients (`alice: hi`,
 * `[dev] alice: hi`, `* alice joined dev`, notices as `* ...`, refusals as `! ...`), with
 * control characters made visible.
 */
export function renderChatEvent(event: ChatEvent, defaultRoom: string): string {
  return printable(defaultFormatter(event, { defaultRoom }) ?? '');
}

/** A `JsonChatClient` message event as the envelope it came in, for `renderChatEvent`. */
export function messageEvent(message: ChatMessage): ChatEvent {
  const { id, sender, room, text } = message;
  const ts = message.time.getTime();
  return message.action ? { v: 1, type: 'message', id, sender, room, text, ts, action: true } : { v: 1, type: 'message', id, sender, room, text, ts };
}

/** A `JsonChatClient` direct event as the envelope it came in, for `renderChatEvent`. */
export function directEvent(message: DirectMessage): ChatEvent {
  const { id, sender, to, text } = message;
  return { v: 1, type: 'direct', id, sender, to, text, ts: message.time.getTime() };
}
