import type { Peer } from '../hub/peer.js';
import { matchMask } from '../protocol/irc-mask.js';
import { IrcNumeric } from '../protocol/irc-numerics.js';
import { ircChannel, roomOfChannel } from '../protocol/irc-render.js';
import { numericLine, whoLine, type IrcWhoEntry } from '../protocol/irc-replies.js';
import type { IrcSession } from './irc-session.js';

/**
 * The IRC queries, answered from the hub's own state (who is in which room, under which name,
 * here and on the other hubs of a cluster): NAMES, WHO, WHOIS, LIST, ISON, USERHOST, LUSERS.
 * They change nothing, so they are answered at once, by the session, in numerics.
 */

/** Most users one WHO pattern lists, so that `WHO *` on a big hub stays a bounded answer. */
export const MAX_WHO_ENTRIES = 500;

/** NAMES [#a,#b]: the members of each channel, or of every channel the client is in. */
export function names<D>(session: IrcSession<D>, params: readonly string[]): void {
  const peer = session.peer;
  if (peer === undefined) return;
  const channels = params[0] === undefined || params[0] === '' ? [...peer.rooms].map(ircChannel) : params[0].split(',').filter((name) => name !== '');
  for (const channel of channels) {
    const room = roomOfChannel(channel);
    const resolved = room === undefined ? undefined : session.resolveRoom(room);
    if (resolved !== undefined && session.hub.rooms.has(resolved)) session.send(session.namesOf(resolved));
    else session.numeric(IrcNumeric.RPL_ENDOFNAMES, [channel], 'End of /NAMES list.');
  }
}

/** WHO <#channel | nick | mask>: one 352 per user, then 315. */
export function who<D>(session: IrcSession<D>, params: readonly string[]): void {
  const peer = session.peer;
  if (peer === undefined) return;
  const mask = params[0] ?? '*';
  const server = session.door.options.serverName;
  const room = roomOfChannel(mask);
  let lines = '';
  if (room !== undefined) {
    const resolved = session.resolveRoom(room);
    const channel = ircChannel(resolved);
    for (const member of session.hub.to(resolved).members) lines += whoLine(server, session.nick, entryOf(session, member, channel));
    for (const remote of session.hub.adapter?.remotePeers() ?? []) {
      if (remote.rooms.includes(resolved)) lines += whoLine(server, session.nick, remoteEntry(session, remote.nick, channel));
    }
  } else {
    // A nick or a pattern (`*`, `a*`): whoever matches, up to a bound.
    const everyone = mask === '*' || mask === '0';
    let count = 0;
    for (const member of session.hub.clients) {
      if (count >= MAX_WHO_ENTRIES) break;
      if (!everyone && !matchMask(mask, member.nick)) continue;
      lines += whoLine(server, session.nick, entryOf(session, member, '*'));
      count += 1;
    }
    for (const remote of session.hub.adapter?.remotePeers() ?? []) {
      if (count >= MAX_WHO_ENTRIES) break;
      if (!everyone && !matchMask(mask, remote.nick)) continue;
      lines += whoLine(server, session.nick, remoteEntry(session, remote.nick, '*'));
      count += 1;
    }
  }
  session.send(lines);
  session.numeric(IrcNumeric.RPL_ENDOFWHO, [mask], 'End of WHO list.');
}

/** WHOIS [server] nick: who they are, their channels, where, whether away; 401 for nobody. */
export function whois<D>(session: IrcSession<D>, params: readonly string[]): void {
  const asked = (params[params.length - 1] ?? '').split(',')[0] ?? '';
  if (asked === '') {
    session.numeric(IrcNumeric.ERR_NONICKNAMEGIVEN, [], 'No nickname given');
    return;
  }
  const userHost = session.door.options.userHost;
  const server = session.door.options.serverName;
  const local = session.hub.findPeer(asked);
  const remote = local === undefined ? session.hub.adapter?.findNick(asked) : undefined;
  if (local === undefined && remote === undefined) {
    session.numeric(IrcNumeric.ERR_NOSUCHNICK, [asked], 'No such nick/channel');
    session.numeric(IrcNumeric.RPL_ENDOFWHOIS, [asked], 'End of /WHOIS list.');
    return;
  }
  const nick = local?.nick ?? remote?.nick ?? asked;
  const rooms = local === undefined ? (remote?.rooms ?? []) : [...local.rooms];
  const entry = local === undefined ? remoteEntry(session, nick, '*') : entryOf(session, local, '*');
  session.numeric(IrcNumeric.RPL_WHOISUSER, [nick, nick, userHost, '*'], entry.realname);
  if (rooms.length > 0) session.numeric(IrcNumeric.RPL_WHOISCHANNELS, [nick], rooms.map(ircChannel).join(' '));
  session.numeric(IrcNumeric.RPL_WHOISSERVER, [nick, local === undefined ? `${remote?.hub ?? 'remote'}.hub` : server], local === undefined ? 'on another hub of the cluster' : session.door.options.network);
  if (local?.operator === true) session.numeric(IrcNumeric.RPL_WHOISOPERATOR, [nick], 'is an operator of this hub');
  const away = local === undefined ? undefined : session.door.sessionOf(local)?.away;
  if (away !== undefined) session.numeric(IrcNumeric.RPL_AWAY, [nick], away);
  session.numeric(IrcNumeric.RPL_ENDOFWHOIS, [nick], 'End of /WHOIS list.');
}

/** LIST [#a,#b]: every room (or the ones named) with how many are in it. */
export function list<D>(session: IrcSession<D>, params: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const [room, members] of session.hub.rooms) if (members.size > 0) counts.set(room, members.size);
  for (const remote of session.hub.adapter?.remotePeers() ?? []) for (const room of remote.rooms) counts.set(room, (counts.get(room) ?? 0) + 1);
  const wanted = params[0] === undefined || params[0] === '' ? undefined : new Set(params[0].split(',').map((channel) => session.resolveRoom(roomOfChannel(channel) ?? '')));
  const server = session.door.options.serverName;
  session.numeric(IrcNumeric.RPL_LISTSTART, ['Channel'], 'Users  Name');
  let lines = '';
  for (const [room, count] of counts) {
    if (wanted !== undefined && !wanted.has(room)) continue;
    lines += numericLine(server, IrcNumeric.RPL_LIST, session.nick, [ircChannel(room), String(count)], '');
  }
  session.send(lines);
  session.numeric(IrcNumeric.RPL_LISTEND, [], 'End of /LIST');
}

/** ISON nick...: which of them are here, as they spell their names. */
export function ison<D>(session: IrcSession<D>, params: readonly string[]): void {
  const online: string[] = [];
  for (const nick of params.join(' ').split(' ')) {
    if (nick === '') continue;
    const found = session.hub.findPeer(nick)?.nick ?? session.hub.adapter?.findNick(nick)?.nick;
    if (found !== undefined) online.push(found);
  }
  session.numeric(IrcNumeric.RPL_ISON, [], online.join(' '));
}

/** USERHOST nick... (at most 5): `nick=+nick@host`, `-` for the away. */
export function userhost<D>(session: IrcSession<D>, params: readonly string[]): void {
  const replies: string[] = [];
  for (const nick of params.slice(0, 5)) {
    const local = session.hub.findPeer(nick);
    const name = local?.nick ?? session.hub.adapter?.findNick(nick)?.nick;
    if (name === undefined) continue;
    const away = local === undefined ? false : session.door.sessionOf(local)?.away !== undefined;
    replies.push(`${name}=${away ? '-' : '+'}${name}@${session.door.options.userHost}`);
  }
  session.numeric(IrcNumeric.RPL_USERHOST, [], replies.join(' '));
}

/** LUSERS: how many users and channels. */
export function lusers<D>(session: IrcSession<D>): void {
  const local = session.hub.clients.size;
  const total = local + (session.hub.adapter?.remotePeers().length ?? 0);
  let channels = 0;
  for (const members of session.hub.rooms.values()) if (members.size > 0) channels += 1;
  session.numeric(IrcNumeric.RPL_LUSERCLIENT, [], `There are ${total} users and 0 invisible on 1 servers`);
  session.numeric(IrcNumeric.RPL_LUSERCHANNELS, [String(channels)], 'channels formed');
  session.numeric(IrcNumeric.RPL_LUSERME, [], `I have ${local} clients and 0 servers`);
}

/** A local user as WHO shows them: an IRC user with the real name they gave, anyone else with how they connected. */
function entryOf<D>(session: IrcSession<D>, member: Peer<D>, channel: string): IrcWhoEntry {
  const other = session.door.sessionOf(member);
  return {
    nick: member.nick,
    channel,
    userHost: session.door.options.userHost,
    away: other?.away !== undefined,
    realname: other?.user?.realname ?? `${member.framing} client`,
  };
}

function remoteEntry<D>(session: IrcSession<D>, nick: string, channel: string): IrcWhoEntry {
  return { nick, channel, userHost: session.door.options.userHost, away: false, realname: 'on another hub' };
}
