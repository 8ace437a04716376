import type { DirectEnvelope, JoinEnvelope, LeaveEnvelope, MessageEnvelope, NickEnvelope, TopicEnvelope } from './envelope.js';
import { ircLines, splitUtf8, trailingRoom } from './irc-lines.js';

/**
 * How the hub's chat events read on an IRC wire: rooms are channels (`lobby` is `#lobby`),
 * everyone is `nick!nick@<userHost>` whatever they connected with, a room message is a
 * PRIVMSG to the channel, a direct message a PRIVMSG to the receiver's nick, an action a CTCP
 * ACTION. Pure text work; the IRC door decides who gets which.
 */

/** The CTCP delimiter: IRC clients act on text between two of these (ACTION, VERSION, DCC...). */
const CTCP = '\u0001';

/** How a user appears as a source: `alice!alice@host`. */
export function ircUserSource(nick: string, userHost: string): string {
  return `${nick}!${nick}@${userHost}`;
}

/** The channel of a room: `#lobby`. */
export function ircChannel(room: string): string {
  return `#${room}`;
}

/** The room a channel name stands for (`#lobby` is `lobby`), or `undefined` when it is not a channel. */
export function roomOfChannel(target: string): string | undefined {
  return target.charCodeAt(0) === 0x23 ? target.slice(1) : undefined;
}

/** The IRCv3 `server-time` tag for a time in ms since the epoch: `time=2024-01-02T03:04:05.678Z`. */
export function ircTimeTag(ts: number): string {
  return `time=${new Date(Number.isFinite(ts) ? ts : Date.now()).toISOString()}`;
}

/**
 * A room message as PRIVMSG lines to its channel, an action as CTCP ACTION. CTCP delimiters
 * inside the text are removed, so no one can make IRC clients act on a message (a CTCP query
 * or a DCC offer) through the hub; long text is split over several lines.
 */
export function ircRoomMessage(event: MessageEnvelope, userHost: string, tags?: string): string {
  const source = ircUserSource(event.sender, userHost);
  const middle = [ircChannel(event.room)];
  const text = withoutCtcp(event.text);
  return event.action === true ? actionLines({ tags, source, verb: 'PRIVMSG', middle }, text) : ircLines({ tags, source, verb: 'PRIVMSG', middle, trailing: text });
}

/**
 * A direct message as PRIVMSG lines to the receiver's nick. `ctcp` keeps CTCP delimiters: only
 * for a message from one IRC client to another, whose CTCP (ACTION, VERSION and their replies)
 * both understand; a CTCP query is refused from anyone else.
 */
export function ircDirectMessage(event: DirectEnvelope, userHost: string, ctcp: boolean, tags?: string): string {
  return ircLines({ tags, source: ircUserSource(event.sender, userHost), verb: 'PRIVMSG', middle: [event.to], trailing: ctcp ? event.text : withoutCtcp(event.text) });
}

/** How a replay is framed for one client: its capabilities. */
export interface IrcReplayOptions {
  /** The client has `server-time`: each message carries `@time=` of when it was said. */
  readonly time: boolean;
  /** The client has `batch`: the reference of the `chathistory` batch the messages are in. */
  readonly batch?: string | undefined;
}

/**
 * A replay of a room's last messages, oldest first, each a PRIVMSG from its sender as it was
 * said live. A client with `server-time` reads when from `@time=`; one without reads it from
 * the text, which starts with `[HH:MM UTC]`, so that a person can tell old from new. With `batch` they are one `chathistory` batch: `BATCH +ref chathistory #room`,
 * the messages tagged `batch=ref`, `BATCH -ref`.
 */
export function ircHistoryLines(events: readonly MessageEnvelope[], room: string, userHost: string, options: IrcReplayOptions): string {
  const channel = ircChannel(room);
  const batch = options.batch;
  let lines = batch === undefined ? '' : ircLines({ verb: 'BATCH', middle: [`+${batch}`, 'chathistory', channel] });
  for (const event of events) {
    const time = options.time ? ircTimeTag(event.ts) : undefined;
    const tags = batch === undefined ? time : time === undefined ? `batch=${batch}` : `batch=${batch};${time}`;
    const said = options.time ? event : { ...event, text: `${historyStamp(event.ts)} ${event.text}` };
    lines += ircRoomMessage(said, userHost, tags);
  }
  return batch === undefined ? lines : lines + ircLines({ verb: 'BATCH', middle: [`-${batch}`] });
}

/** When a message was said, for a client without `server-time`: `[09:05 UTC]`. */
function historyStamp(ts: number): string {
  const iso = new Date(Number.isFinite(ts) ? ts : Date.now()).toISOString();
  return `[${iso.slice(11, 16)} UTC]`;
}

/** Someone joined a room: `:alice!alice@host JOIN #dev`. */
export function ircJoin(event: JoinEnvelope, userHost: string, tags?: string): string {
  return ircLines({ tags, source: ircUserSource(event.nick, userHost), verb: 'JOIN', middle: [ircChannel(event.room)] });
}

/** Someone left a room but not the chat: `:alice!alice@host PART #dev`, with the reason if any. */
export function ircPart(event: LeaveEnvelope, userHost: string, tags?: string): string {
  const parts = { tags, source: ircUserSource(event.nick, userHost), verb: 'PART', middle: [ircChannel(event.room)] };
  return ircLines(event.reason === undefined || event.reason === '' ? parts : { ...parts, trailing: event.reason });
}

/**
 * Someone was removed from a room by an operator: `:ada!ada@host KICK #dev bob :spam`. The
 * application (`by` is `server`) kicks as the server itself.
 */
export function ircKick(event: LeaveEnvelope, userHost: string, serverName: string, tags?: string): string {
  const by = event.by ?? 'server';
  const source = by === 'server' ? serverName : ircUserSource(by, userHost);
  return ircLines({ tags, source, verb: 'KICK', middle: [ircChannel(event.room), event.nick], trailing: event.reason === undefined || event.reason === '' ? by : event.reason });
}

/** A room's topic changed: `:ada!ada@host TOPIC #dev :new topic` (the application's, from the server). */
export function ircTopic(event: TopicEnvelope, userHost: string, serverName: string, tags?: string): string {
  const by = event.by ?? 'server';
  const source = by === 'server' ? serverName : ircUserSource(by, userHost);
  return ircLines({ tags, source, verb: 'TOPIC', middle: [ircChannel(event.room)], trailing: event.text });
}

/** Someone left the chat: one `QUIT` for all the channels they were in, with their reason if they gave one. */
export function ircQuit(event: LeaveEnvelope, userHost: string, tags?: string): string {
  const reason = event.reason === undefined || event.reason === '' ? 'Connection closed' : `Quit: ${event.reason}`;
  return ircLines({ tags, source: ircUserSource(event.nick, userHost), verb: 'QUIT', trailing: reason });
}

/** Someone changed nickname: `:alice!alice@host NICK :bob`. */
export function ircNick(event: NickEnvelope, userHost: string, tags?: string): string {
  return ircLines({ tags, source: ircUserSource(event.from, userHost), verb: 'NICK', trailing: event.nick });
}

/** The text of a CTCP message (`\x01ACTION waves\x01`): its command upper-cased and its argument, or `undefined` when it is ordinary text. */
export function parseCtcp(text: string): { readonly command: string; readonly argument: string } | undefined {
  if (text.length < 2 || !text.startsWith(CTCP)) return undefined;
  const body = text.endsWith(CTCP) ? text.slice(1, -1) : text.slice(1);
  const space = body.indexOf(' ');
  return space === -1 ? { command: body.toUpperCase(), argument: '' } : { command: body.slice(0, space).toUpperCase(), argument: body.slice(space + 1) };
}

/** `text` without CTCP delimiters. */
export function withoutCtcp(text: string): string {
  return text.includes(CTCP) ? text.replaceAll(CTCP, '') : text;
}

/** An action, split over lines as each must be a whole `\x01ACTION ...\x01`. */
function actionLines(parts: { tags: string | undefined; source: string; verb: string; middle: string[] }, text: string): string {
  // `\x01ACTION ` and the closing `\x01`.
  const room = trailingRoom(parts) - 9;
  let lines = '';
  for (const piece of text === '' ? [''] : splitUtf8(text, room)) lines += ircLines({ ...parts, trailing: `${CTCP}ACTION ${piece}${CTCP}` });
  return lines;
}
