import { ircLines, middleParam, trailingRoom } from './irc-lines.js';
import { IrcNumeric } from './irc-numerics.js';

/**
 * The server's own lines: numerics (`:server 433 * alice :Nickname is already in use`), the
 * welcome burst, name lists split to fit, notices. Pure text work, given what to say.
 */

/** A numeric reply to `target` (the client's nick, `*` before it has one). */
export function numericLine(server: string, code: string, target: string, middle: readonly string[] = [], trailing?: string): string {
  return ircLines({ source: server, verb: code, middle: [target, ...middle], trailing });
}

/** A notice from the server to `target` (`*` before it has a nick). */
export function serverNotice(server: string, target: string, text: string): string {
  return ircLines({ source: server, verb: 'NOTICE', middle: [target], trailing: text });
}

/** What the welcome burst says about the server. */
export interface IrcServerInfo {
  /** The server's name, as the source of its lines. */
  readonly serverName: string;
  /** The network's name (ISUPPORT `NETWORK`). */
  readonly network: string;
  /** The software's version, for 002, 004 and VERSION. */
  readonly version: string;
  /** When the server started, for 003. */
  readonly createdAt: Date;
  /** The ISUPPORT tokens (005), such as `CHANTYPES=#`. */
  readonly isupport: readonly string[];
  /** The message of the day, one entry per line; empty for none (then 422). */
  readonly motd: readonly string[];
}

/** Most ISUPPORT tokens in one 005 line, as servers send them (RFC 2812 practice: 13). */
const TOKENS_PER_LINE = 13;

/** 001 to 005 and the MOTD (or 422): what a client gets once it has registered as `nick`. */
export function welcomeBurst(info: IrcServerInfo, nick: string, userSource: string): string {
  const server = info.serverName;
  let lines =
    numericLine(server, IrcNumeric.RPL_WELCOME, nick, [], `Welcome to the ${info.network} IRC network, ${userSource}`) +
    numericLine(server, IrcNumeric.RPL_YOURHOST, nick, [], `Your host is ${server}, running version broadcast-chat-${info.version}`) +
    numericLine(server, IrcNumeric.RPL_CREATED, nick, [], `This server was created ${info.createdAt.toUTCString()}`) +
    // User modes: i (invisible, accepted and shown, changes nothing); channel modes: b (the ban list) and n.
    numericLine(server, IrcNumeric.RPL_MYINFO, nick, [server, `broadcast-chat-${info.version}`, 'i', 'bn']);
  for (let index = 0; index < info.isupport.length; index += TOKENS_PER_LINE) {
    lines += numericLine(server, IrcNumeric.RPL_ISUPPORT, nick, info.isupport.slice(index, index + TOKENS_PER_LINE), 'are supported by this server');
  }
  return lines + motdLines(info, nick);
}

/** The message of the day (375, 372 per line, 376), or 422 when there is none. */
export function motdLines(info: IrcServerInfo, nick: string): string {
  const server = info.serverName;
  if (info.motd.length === 0) return numericLine(server, IrcNumeric.ERR_NOMOTD, nick, [], 'MOTD File is missing');
  let lines = numericLine(server, IrcNumeric.RPL_MOTDSTART, nick, [], `- ${server} Message of the day - `);
  for (const line of info.motd) lines += numericLine(server, IrcNumeric.RPL_MOTD, nick, [], `- ${line}`);
  return lines + numericLine(server, IrcNumeric.RPL_ENDOFMOTD, nick, [], 'End of /MOTD command.');
}

/**
 * The members of a channel as 353 lines (as many as the names need, each within 512 bytes)
 * and the closing 366. `nicks` may be empty: then only the 366.
 */
export function namesLines(server: string, nick: string, channel: string, nicks: readonly string[]): string {
  let lines = '';
  const room = trailingRoom({ source: server, verb: IrcNumeric.RPL_NAMREPLY, middle: [nick, '=', channel] });
  let batch = '';
  for (const name of nicks) {
    const word = middleParam(name);
    if (batch !== '' && Buffer.byteLength(batch) + 1 + Buffer.byteLength(word) > room) {
      lines += numericLine(server, IrcNumeric.RPL_NAMREPLY, nick, ['=', channel], batch);
      batch = '';
    }
    batch = batch === '' ? word : `${batch} ${word}`;
  }
  if (batch !== '') lines += numericLine(server, IrcNumeric.RPL_NAMREPLY, nick, ['=', channel], batch);
  return lines + numericLine(server, IrcNumeric.RPL_ENDOFNAMES, nick, [channel], 'End of /NAMES list.');
}

/** One user as WHO shows them. */
export interface IrcWhoEntry {
  readonly nick: string;
  /** The channel to show, or `*`. */
  readonly channel: string;
  readonly userHost: string;
  /** `H` (here) or `G` (gone: away). */
  readonly away: boolean;
  readonly realname: string;
}

/** One 352 line: `<me> <channel> <user> <host> <server> <nick> <H|G> :0 <realname>`. */
export function whoLine(server: string, nick: string, entry: IrcWhoEntry): string {
  return numericLine(server, IrcNumeric.RPL_WHOREPLY, nick, [entry.channel, entry.nick, entry.userHost, server, entry.nick, entry.away ? 'G' : 'H'], `0 ${entry.realname}`);
}
