import { ircLines } from '../protocol/irc-lines.js';
import { parseIrcLine } from '../protocol/irc-message.js';
import { IrcNumeric } from '../protocol/irc-numerics.js';
import { ircChannel, parseCtcp, roomOfChannel } from '../protocol/irc-render.js';
import { motdLines, numericLine } from '../protocol/irc-replies.js';
import { nickProblem } from '../protocol/names.js';
import type { IrcCapability } from './irc-options.js';
import { ison, list, lusers, names, userhost, who, whois } from './irc-queries.js';
import type { IrcSession } from './irc-session.js';

/** One IRC command's handler: the session it came on, its parameters, its verb upper-cased. */
type IrcHandler = <D>(session: IrcSession<D>, params: readonly string[], verb: string) => void;

/** Most targets of one PRIVMSG or NOTICE (ISUPPORT `TARGMAX`). */
export const MAX_MESSAGE_TARGETS = 4;

/**
 * Runs one line a client sent: the registration commands at any time, everything else once
 * it is registered (451 before). Commands the door does not know run the hub's slash command
 * of the same name when there is one (`HELP` is `/help`, an application's `/roll` is `ROLL`),
 * and get 421 otherwise.
 * @internal
 */
export function dispatchIrcLine<D>(session: IrcSession<D>, line: string): void {
  const message = parseIrcLine(line);
  if (message === undefined) return;
  const verb = message.verb.toUpperCase();
  // A NUL would cut the line in many a client: it reaches nobody.
  if (line.includes('\0')) {
    session.numeric(IrcNumeric.ERR_UNKNOWNERROR, [safeVerb(verb)], 'NUL is not allowed in a message');
    return;
  }
  const anytime = ANYTIME.get(verb);
  if (anytime !== undefined) {
    anytime(session, message.params, verb);
    return;
  }
  if (!session.registered) {
    session.numeric(IrcNumeric.ERR_NOTREGISTERED, [], 'You have not registered');
    return;
  }
  const handler = REGISTERED.get(verb);
  if (handler !== undefined) {
    // Answers that grow with the hub have an allowance: past it, the client is asked to wait.
    if (QUERIES.has(verb) && !session.mayQuery()) {
      session.numeric(IrcNumeric.RPL_TRYAGAIN, [verb], 'Please wait a while and try again.');
      return;
    }
    handler(session, message.params, verb);
    return;
  }
  const command = verb.toLowerCase();
  if (/^[a-z][a-z0-9_-]*$/.test(command) && session.hub.commands.some((entry) => entry.name === command)) {
    session.emit(message.params.length === 0 ? `/${command}` : `/${command} ${message.params.join(' ')}`, { verb, target: verb });
    return;
  }
  session.numeric(IrcNumeric.ERR_UNKNOWNCOMMAND, [safeVerb(verb)], 'Unknown command');
}

/** A verb as a numeric may quote it: a word, never more than 32 characters. */
function safeVerb(verb: string): string {
  return verb.slice(0, 32) || '*';
}

// ---- registration, and what may come at any time ----

const cap: IrcHandler = (session, params) => {
  const sub = params[0]?.toUpperCase();
  const server = session.door.options.serverName;
  const offered = session.door.options.capabilities;
  const reply = (what: string, text: string): void => {
    session.send(ircLines({ source: server, verb: 'CAP', middle: [session.nick, what], trailing: text }));
  };
  switch (sub) {
    case undefined:
      session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['CAP'], 'Not enough parameters');
      return;
    case 'LS':
      // Registration waits for CAP END once a client negotiates (IRCv3 capability negotiation).
      if (!session.registered) session.negotiating = true;
      reply('LS', offered.join(' '));
      return;
    case 'LIST':
      reply('LIST', [...session.capabilities].join(' '));
      return;
    case 'REQ': {
      if (!session.registered) session.negotiating = true;
      const request = params[1] ?? '';
      const changes = request.split(' ').filter((word) => word !== '');
      // All or nothing: one unknown capability refuses the whole request.
      const known = changes.every((word) => offered.includes(word.replace(/^-/, '') as IrcCapability));
      if (!known || changes.length === 0) {
        reply('NAK', request);
        return;
      }
      for (const word of changes) {
        if (word.startsWith('-')) session.capabilities.delete(word.slice(1) as IrcCapability);
        else session.capabilities.add(word as IrcCapability);
      }
      reply('ACK', request);
      return;
    }
    case 'END':
      if (session.negotiating) {
        session.negotiating = false;
        session.register();
      }
      return;
    default:
      session.numeric(IrcNumeric.ERR_INVALIDCAPCMD, [safeVerb(sub)], 'Invalid CAP command');
  }
};

const ping: IrcHandler = (session, params) => {
  const token = params[0];
  if (token === undefined || token === '') {
    session.numeric(IrcNumeric.ERR_NOORIGIN, [], 'No origin specified');
    return;
  }
  const server = session.door.options.serverName;
  session.send(ircLines({ source: server, verb: 'PONG', middle: [server], trailing: token }));
};

const pong: IrcHandler = (session) => {
  session.awaitingPong = false;
};

const quit: IrcHandler = (session, params) => {
  const reason = (params[0] ?? '').trim();
  session.send(session.closingLink(reason === '' ? 'Client Quit' : `Quit: ${reason}`));
  const peer = session.peer;
  // The hub's /quit keeps the reason for the leave announcements; before registration there is nothing to announce.
  if (session.registered) session.emit(reason === '' ? '/quit' : `/quit ${reason}`, { verb: 'QUIT', target: '*' });
  if (peer?.isOpen === true) peer.close('client-closed');
};

const pass: IrcHandler = (session, params) => {
  if (session.state !== 'registering') {
    session.numeric(IrcNumeric.ERR_ALREADYREGISTERED, [], 'You may not reregister');
    return;
  }
  const password = params[0];
  if (password === undefined) {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['PASS'], 'Not enough parameters');
    return;
  }
  session.password = password;
};

const nick: IrcHandler = (session, params) => {
  const wanted = params[0] ?? '';
  if (wanted === '') {
    session.numeric(IrcNumeric.ERR_NONICKNAMEGIVEN, [], 'No nickname given');
    return;
  }
  if (session.state === 'waiting') return; // the hub is deciding about the last one
  const problem = nickProblem(wanted);
  if (problem !== undefined) {
    session.numeric(IrcNumeric.ERR_ERRONEUSNICKNAME, [wanted.slice(0, 32).replaceAll(' ', '_')], `Erroneous nickname: ${problem}`);
    return;
  }
  if (session.registered && wanted === session.nick) return;
  // The same registry as every other kind of client: one name, one user, whatever they connect with.
  const holder = session.hub.findPeer(wanted);
  if ((holder !== undefined && holder !== session.peer) || (holder === undefined && session.hub.adapter?.findNick(wanted) !== undefined)) {
    session.numeric(IrcNumeric.ERR_NICKNAMEINUSE, [wanted], 'Nickname is already in use');
    return;
  }
  if (!session.registered) {
    session.wantedNick = wanted;
    session.register();
    return;
  }
  session.emit(`/nick ${wanted}`, { verb: 'NICK', target: wanted });
};

const user: IrcHandler = (session, params) => {
  if (session.state !== 'registering' || session.user !== undefined) {
    session.numeric(IrcNumeric.ERR_ALREADYREGISTERED, [], 'You may not reregister');
    return;
  }
  const [username, , , realname] = params;
  if (username === undefined || username === '' || realname === undefined) {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['USER'], 'Not enough parameters');
    return;
  }
  session.user = { username, realname: realname.slice(0, 100) };
  session.register();
};

// ---- channels ----

/** The room a channel parameter names, answering 403 when it names none: a missing `#`, or not a room name. */
function roomFor<D>(session: IrcSession<D>, channel: string, quiet = false): string | undefined {
  const room = roomOfChannel(channel);
  const problem = room === undefined ? 'channel names start with #' : session.roomProblem(room);
  if (room === undefined || problem !== undefined) {
    if (!quiet) session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [channel.slice(0, 64) || '*'], `No such channel (${problem ?? ''})`);
    return undefined;
  }
  return session.resolveRoom(room);
}

const join: IrcHandler = (session, params) => {
  const peer = session.peer;
  const channels = params[0];
  if (peer === undefined) return;
  if (channels === undefined || channels === '') {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['JOIN'], 'Not enough parameters');
    return;
  }
  // JOIN 0 leaves every channel: the default room last, where the hub keeps a client that is in no other.
  if (channels === '0') {
    const home = session.hub.defaultRoom;
    for (const room of [...peer.rooms].filter((name) => name !== home)) session.emit(`/leave ${room}`, { verb: 'PART', target: ircChannel(room) });
    if (peer.rooms.has(home)) session.emit(`/leave ${home}`, { verb: 'PART', target: ircChannel(home) });
    return;
  }
  for (const channel of channels.split(',')) {
    if (channel === '') continue;
    const room = roomFor(session, channel);
    if (room === undefined || peer.rooms.has(room)) continue;
    if (!peer.isOpen) return;
    session.emit(`/join ${room}`, { verb: 'JOIN', target: ircChannel(room) });
  }
};

const part: IrcHandler = (session, params) => {
  const peer = session.peer;
  const channels = params[0];
  if (peer === undefined) return;
  if (channels === undefined || channels === '') {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['PART'], 'Not enough parameters');
    return;
  }
  for (const channel of channels.split(',')) {
    if (channel === '') continue;
    const room = roomFor(session, channel);
    if (room === undefined) continue;
    if (!peer.rooms.has(room)) {
      if (session.hub.rooms.has(room)) session.numeric(IrcNumeric.ERR_NOTONCHANNEL, [ircChannel(room)], "You're not on that channel");
      else session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [ircChannel(room)], 'No such channel');
      continue;
    }
    session.emit(`/leave ${room}`, { verb: 'PART', target: ircChannel(room) });
  }
};

/** PRIVMSG and NOTICE: to channels and nicks alike, at most four targets; a NOTICE is never answered with an error. */
const message: IrcHandler = (session, params, verb) => {
  const quiet = verb === 'NOTICE';
  const targets = (params[0] ?? '').split(',').filter((target) => target !== '');
  const text = params[1] ?? '';
  if (targets.length === 0) {
    if (!quiet) session.numeric(IrcNumeric.ERR_NORECIPIENT, [], `No recipient given (${verb})`);
    return;
  }
  if (text.trim() === '') {
    if (!quiet) session.numeric(IrcNumeric.ERR_NOTEXTTOSEND, [], 'No text to send');
    return;
  }
  if (targets.length > MAX_MESSAGE_TARGETS) {
    if (!quiet) session.numeric(IrcNumeric.ERR_TOOMANYTARGETS, [targets[MAX_MESSAGE_TARGETS] ?? '*'], `Too many recipients (at most ${MAX_MESSAGE_TARGETS})`);
    return;
  }
  const ctcp = parseCtcp(text);
  for (const target of targets) {
    if (session.peer?.isOpen !== true) return;
    if (roomOfChannel(target) !== undefined) toChannel(session, target, text, ctcp, verb, quiet);
    else toNick(session, target, text, ctcp, verb, quiet);
  }
};

function toChannel<D>(session: IrcSession<D>, channel: string, text: string, ctcp: ReturnType<typeof parseCtcp>, verb: string, quiet: boolean): void {
  const room = roomFor(session, channel, quiet);
  if (room === undefined) return;
  if (!session.hub.rooms.has(room)) {
    if (!quiet) session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [ircChannel(room)], 'No such channel');
    return;
  }
  // Of CTCP, channels carry actions only: a query to a whole channel is noise to every non-IRC member.
  if (ctcp !== undefined && ctcp.command !== 'ACTION') return;
  const echo = (): string => ircLines({ tags: session.timeTag(Date.now()), source: session.source, verb: 'PRIVMSG', middle: [ircChannel(room)], trailing: text });
  // What an IRC user types is never a slash command: `//` is the hub's escape for a leading `/`.
  const input = ctcp === undefined ? (text.startsWith('/') ? `/${text}` : text) : `/me ${ctcp.argument}`;
  session.emit({ v: 1, type: 'message', text: input, room }, { verb, target: ircChannel(room) }, echo);
}

function toNick<D>(session: IrcSession<D>, target: string, text: string, ctcp: ReturnType<typeof parseCtcp>, verb: string, quiet: boolean): void {
  const local = session.hub.findPeer(target);
  const remote = local === undefined ? session.hub.adapter?.findNick(target) : undefined;
  if (local === undefined && remote === undefined) {
    if (!quiet) session.numeric(IrcNumeric.ERR_NOSUCHNICK, [target.slice(0, 64)], 'No such nick/channel');
    return;
  }
  const other = local === undefined ? undefined : session.door.sessionOf(local);
  let body = text;
  if (ctcp !== undefined && other === undefined) {
    // Only an IRC client can answer CTCP; anyone else is shown an action as `* waves`.
    if (ctcp.command !== 'ACTION') return;
    body = `* ${ctcp.argument}`;
  }
  const to = local?.nick ?? remote?.nick ?? target;
  const echo = (): string => ircLines({ tags: session.timeTag(Date.now()), source: session.source, verb: 'PRIVMSG', middle: [to], trailing: text });
  const sent = session.emit({ v: 1, type: 'direct', to, text: body }, { verb, target: to }, echo);
  if (sent && verb === 'PRIVMSG' && other?.away !== undefined) session.numeric(IrcNumeric.RPL_AWAY, [to], other.away);
}

const topic: IrcHandler = (session, params) => {
  const channel = params[0];
  if (channel === undefined || channel === '') {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['TOPIC'], 'Not enough parameters');
    return;
  }
  const room = roomFor(session, channel);
  if (room === undefined) return;
  if (!session.hub.rooms.has(room)) {
    session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [ircChannel(room)], 'No such channel');
    return;
  }
  if (params[1] === undefined) {
    const shown = session.topicOf(room);
    if (shown === '') session.numeric(IrcNumeric.RPL_NOTOPIC, [ircChannel(room)], 'No topic is set');
    else session.send(shown);
    return;
  }
  if (session.peer?.rooms.has(room) !== true) {
    session.numeric(IrcNumeric.ERR_NOTONCHANNEL, [ircChannel(room)], "You're not on that channel");
    return;
  }
  // The hub's /topic decides (operators only); `TOPIC #chan :` clears it.
  session.emit({ v: 1, type: 'topic', room, text: params[1] }, { verb: 'TOPIC', target: ircChannel(room) });
};

const mode: IrcHandler = (session, params) => {
  const target = params[0];
  if (target === undefined || target === '') {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['MODE'], 'Not enough parameters');
    return;
  }
  if (roomOfChannel(target) !== undefined) channelMode(session, target, params.slice(1));
  else userMode(session, target, params[1]);
};

/** Lists the hub keeps none of, answered as empty: exceptions, invite exceptions. */
const EMPTY_LISTS: Readonly<Record<string, readonly [string, string]>> = {
  e: ['349', 'End of channel exception list'],
  I: ['347', 'End of channel invite list'],
};

function channelMode<D>(session: IrcSession<D>, channel: string, args: readonly string[]): void {
  const room = roomFor(session, channel);
  if (room === undefined) return;
  const name = ircChannel(room);
  if (!session.hub.rooms.has(room)) {
    session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [name], 'No such channel');
    return;
  }
  const modes = args[0];
  if (modes === undefined) {
    // +n: only members may talk in a room; no other mode exists here.
    session.numeric(IrcNumeric.RPL_CHANNELMODEIS, [name, '+n']);
    return;
  }
  const letters = modes.replace(/^[+-]/, '');
  if (letters === 'b' && args.length === 1 && !modes.startsWith('-')) {
    banList(session, room);
    return;
  }
  const list = EMPTY_LISTS[letters];
  if (list !== undefined && args.length === 1 && !modes.startsWith('-')) {
    session.numeric(list[0], [name], list[1]);
    return;
  }
  if (/^[+-]?[bo]+$/.test(modes)) {
    banOrOp(session, room, modes, args.slice(1));
    return;
  }
  const unknown = Array.from({ length: letters.length }, (_, index) => letters.charAt(index)).find((letter) => !KNOWN_CHANNEL_MODES.includes(letter));
  if (unknown !== undefined) {
    session.numeric(IrcNumeric.ERR_UNKNOWNMODE, [unknown === '' ? '*' : unknown], 'is unknown mode char to me');
    return;
  }
  if (session.peer?.rooms.has(room) !== true) {
    session.numeric(IrcNumeric.ERR_NOTONCHANNEL, [name], "You're not on that channel");
    return;
  }
  // Known modes the hub has no such thing as (+m, +k, +t...): an operator is told so.
  if (session.peer.operator) session.numeric(IrcNumeric.ERR_UNKNOWNMODE, [letters.charAt(0) || '*'], 'is not a mode of this server');
  else session.numeric(IrcNumeric.ERR_CHANOPRIVSNEEDED, [name], "You're not a channel operator");
}

/** Most mode changes of one MODE line (ISUPPORT `MODES`): the rest are ignored. */
const MAX_MODE_CHANGES = 4;

/** `MODE #chan b`: the room's bans (367 each, then 368), for anyone, within the query allowance (the list may be long). */
function banList<D>(session: IrcSession<D>, room: string): void {
  const name = ircChannel(room);
  if (!session.mayQuery()) {
    session.numeric(IrcNumeric.RPL_TRYAGAIN, ['MODE'], 'Please wait a while and try again.');
    return;
  }
  const server = session.door.options.serverName;
  let lines = '';
  for (const ban of session.hub.moderation.bans(room)) lines += numericLine(server, IrcNumeric.RPL_BANLIST, session.nick, [name, ban.mask, ban.by, String(Math.floor(ban.setAt / 1000))]);
  session.send(lines);
  session.numeric(IrcNumeric.RPL_ENDOFBANLIST, [name], 'End of channel ban list');
}

/**
 * `MODE #chan +b mask`, `-b mask`, `+o nick`, `-o nick` (several in one line: `+bo mask nick`):
 * a room ban is the hub's `/ban #room` and `/unban #room`; `+o` makes a hub operator (operators
 * are the hub's, not a channel's). Only operators; others get 482 from the hub.
 */
function banOrOp<D>(session: IrcSession<D>, room: string, modes: string, args: readonly string[]): void {
  const name = ircChannel(room);
  let adding = true;
  let index = 0;
  let changes = 0;
  for (const letter of modes) {
    if (letter === '+' || letter === '-') {
      adding = letter === '+';
      continue;
    }
    const arg = args[index];
    index += 1;
    if (changes >= MAX_MODE_CHANGES || session.peer?.isOpen !== true) return;
    changes += 1;
    if (arg === undefined || arg === '') {
      if (letter === 'b') banList(session, room);
      else session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['MODE'], 'Not enough parameters');
      continue;
    }
    if (letter === 'b') {
      const command = adding ? `/ban #${room} ${arg}` : `/unban #${room} ${arg}`;
      session.emit(command, { verb: 'MODE', target: name });
      continue;
    }
    operatorMode(session, name, adding, arg);
  }
}

/** `+o nick` / `-o nick`: an operator makes (or unmakes) another. */
function operatorMode<D>(session: IrcSession<D>, channel: string, adding: boolean, nick: string): void {
  if (session.peer?.operator !== true) {
    session.numeric(IrcNumeric.ERR_CHANOPRIVSNEEDED, [channel], "You're not a channel operator");
    return;
  }
  const target = session.hub.findPeer(nick);
  if (target === undefined) {
    session.numeric(IrcNumeric.ERR_NOSUCHNICK, [nick.slice(0, 64)], 'No such nick/channel');
    return;
  }
  // The door's `operator` listener tells the IRC users of the target's channels (`MODE #chan +o nick`).
  session.hub.moderation.setOperator(target, adding);
}

/** Channel modes clients commonly set: answered with 482 for those who are not operators, 472 for those who are. */
const KNOWN_CHANNEL_MODES = ['b', 'e', 'I', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 's', 't', 'v', '+', '-'];

function userMode<D>(session: IrcSession<D>, target: string, modes: string | undefined): void {
  if (target.toLowerCase() !== session.nick.toLowerCase()) {
    if (session.isKnown(target)) session.numeric(IrcNumeric.ERR_USERSDONTMATCH, [], "Can't change mode for other users");
    else session.numeric(IrcNumeric.ERR_NOSUCHNICK, [target.slice(0, 64)], 'No such nick/channel');
    return;
  }
  if (modes === undefined) {
    session.numeric(IrcNumeric.RPL_UMODEIS, [session.invisible ? '+i' : '+']);
    return;
  }
  let adding = true;
  let changed = '';
  let unknown = false;
  for (const letter of modes) {
    if (letter === '+' || letter === '-') adding = letter === '+';
    else if (letter === 'i') {
      if (session.invisible !== adding) changed += `${adding ? '+' : '-'}i`;
      session.invisible = adding;
    } else unknown = true;
  }
  if (unknown) session.numeric(IrcNumeric.ERR_UMODEUNKNOWNFLAG, [], 'Unknown MODE flag');
  if (changed !== '') session.send(ircLines({ source: session.source, verb: 'MODE', middle: [session.nick], trailing: changed }));
}

// ---- the rest ----

const away: IrcHandler = (session, params) => {
  const text = params[0] ?? '';
  if (text === '') {
    session.away = undefined;
    session.numeric(IrcNumeric.RPL_UNAWAY, [], 'You are no longer marked as being away');
  } else {
    session.away = text.slice(0, 200);
    session.numeric(IrcNumeric.RPL_NOWAWAY, [], 'You have been marked as being away');
  }
};

const whowas: IrcHandler = (session, params) => {
  const asked = params[0] ?? '';
  if (asked === '') {
    session.numeric(IrcNumeric.ERR_NONICKNAMEGIVEN, [], 'No nickname given');
    return;
  }
  session.numeric(IrcNumeric.ERR_WASNOSUCHNICK, [asked.slice(0, 64)], 'There was no such nickname');
  session.numeric(IrcNumeric.RPL_ENDOFWHOWAS, [asked.slice(0, 64)], 'End of WHOWAS');
};

const motd: IrcHandler = (session) => {
  session.send(motdLines(session.door.info, session.nick));
};

const version: IrcHandler = (session) => {
  const { info } = session.door;
  session.numeric(IrcNumeric.RPL_VERSION, [`broadcast-chat-${info.version}.`, info.serverName], 'IRC front door of a broadcast-chat hub');
};

const time: IrcHandler = (session) => {
  session.numeric(IrcNumeric.RPL_TIME, [session.door.options.serverName], new Date().toUTCString());
};

/**
 * OPER name password: the hub's `/oper`, with the password kept out of every listener's sight
 * (an `oper` envelope). 381 on success (the door's `operator` listener), 464 for a wrong
 * password, 491 when the hub has no operator accounts at all.
 */
const oper: IrcHandler = (session, params) => {
  const [name, password] = params;
  if (name === undefined || password === undefined) {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['OPER'], 'Not enough parameters');
    return;
  }
  if (!session.hub.moderation.hasOperatorAccounts) {
    session.numeric(IrcNumeric.ERR_NOOPERHOST, [], 'No O-lines for your host');
    return;
  }
  if (session.peer?.operator === true) {
    session.numeric(IrcNumeric.RPL_YOUREOPER, [], 'You are now an IRC operator');
    return;
  }
  session.emit({ v: 1, type: 'oper', name, password }, { verb: 'OPER', target: '*' });
};

const kick: IrcHandler = (session, params) => {
  const [channel, target] = params;
  if (channel === undefined || target === undefined) {
    session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, ['KICK'], 'Not enough parameters');
    return;
  }
  const room = roomFor(session, channel);
  if (room === undefined) return;
  const name = ircChannel(room);
  if (!session.hub.rooms.has(room)) {
    session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [name], 'No such channel');
    return;
  }
  if (session.peer?.rooms.has(room) !== true) {
    session.numeric(IrcNumeric.ERR_NOTONCHANNEL, [name], "You're not on that channel");
    return;
  }
  const reason = (params[2] ?? '').trim();
  // KICK #chan a,b: each, at most as many as a PRIVMSG may name.
  for (const nick of target.split(',').filter((word) => word !== '').slice(0, MAX_MESSAGE_TARGETS)) {
    if (!session.peer.isOpen) return;
    // A member of this hub, or in a cluster one of another hub (the kick travels there).
    const local = session.hub.findPeer(nick);
    const remote = local === undefined ? session.hub.adapter?.findNick(nick) : undefined;
    const member = local ?? remote;
    if (member === undefined) {
      session.numeric(IrcNumeric.ERR_NOSUCHNICK, [nick.slice(0, 64)], 'No such nick/channel');
      continue;
    }
    if (local === undefined ? remote?.rooms.includes(room) !== true : !local.rooms.has(room)) {
      session.numeric(IrcNumeric.ERR_USERNOTINCHANNEL, [member.nick, name], "They aren't on that channel");
      continue;
    }
    session.emit(reason === '' ? `/kick #${room} ${member.nick}` : `/kick #${room} ${member.nick} ${reason}`, { verb: 'KICK', target: name });
  }
};

/**
 * HISTORY [#chan] [N]: the hub's `/history N` for a channel the client is in (without one, the
 * channel it joined last: the room the hub's commands default to). The replay is the one a
 * JOIN gets, then a notice with the count. 421 on a hub that keeps no history.
 */
const history: IrcHandler = (session, params, verb) => {
  const peer = session.peer;
  if (peer === undefined) return;
  if (!session.hub.commands.some((entry) => entry.name === 'history')) {
    session.numeric(IrcNumeric.ERR_UNKNOWNCOMMAND, [verb], 'Unknown command (this hub keeps no history)');
    return;
  }
  const channel = params[0] !== undefined && roomOfChannel(params[0]) !== undefined ? params[0] : undefined;
  const count = channel === undefined ? params[0] : params[1];
  let target = verb;
  if (channel !== undefined) {
    const room = roomFor(session, channel);
    if (room === undefined) return;
    target = ircChannel(room);
    if (!peer.rooms.has(room)) {
      if (session.hub.rooms.has(room)) session.numeric(IrcNumeric.ERR_NOTONCHANNEL, [target], "You're not on that channel");
      else session.numeric(IrcNumeric.ERR_NOSUCHCHANNEL, [target], 'No such channel');
      return;
    }
    // In it already: only makes it the room the hub's /history reads, with no announcement.
    peer.join(room);
  }
  session.emit(count === undefined ? '/history' : `/history ${count}`, { verb, target });
};

const kill: IrcHandler = (session) => {
  session.numeric(IrcNumeric.ERR_NOPRIVILEGES, [], "Permission Denied- You're not an IRC operator");
};

const needsParams =
  (minimum: number, handler: IrcHandler): IrcHandler =>
  (session, params, verb) => {
    if (params.length < minimum) session.numeric(IrcNumeric.ERR_NEEDMOREPARAMS, [verb], 'Not enough parameters');
    else handler(session, params, verb);
  };

/** The queries the door answers itself whose answers grow with the hub (`queryRate`). */
const QUERIES: ReadonlySet<string> = new Set(['NAMES', 'WHO', 'WHOIS', 'WHOWAS', 'LIST', 'ISON', 'USERHOST', 'LUSERS', 'MOTD']);

const ANYTIME = new Map<string, IrcHandler>([
  ['CAP', cap],
  ['PING', ping],
  ['PONG', pong],
  ['QUIT', quit],
  ['PASS', pass],
  ['NICK', nick],
  ['USER', user],
]);

const REGISTERED = new Map<string, IrcHandler>([
  ['JOIN', join],
  ['PART', part],
  ['PRIVMSG', message],
  ['NOTICE', message],
  ['NAMES', names],
  ['WHO', who],
  ['WHOIS', needsParams(1, whois)],
  ['LIST', list],
  ['TOPIC', topic],
  ['MODE', mode],
  ['AWAY', away],
  ['ISON', needsParams(1, ison)],
  ['USERHOST', needsParams(1, userhost)],
  ['WHOWAS', whowas],
  ['MOTD', motd],
  ['LUSERS', lusers],
  ['VERSION', version],
  ['TIME', time],
  ['OPER', oper],
  ['KICK', kick],
  ['KILL', kill],
  ['HISTORY', history],
]);
