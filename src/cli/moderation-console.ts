import type { BanEntry, Peer, RemotePeer } from '../internals.js';
import { isDuration } from '../internals.js';
import { localPeer, notice, OPERATOR_NAME, type ConsoleCommand, type OperatorContext, type ServeData } from './operator-context.js';

/**
 * The console's moderation commands, through `hub.moderation` as every client's are, with the
 * syntax the chat's own commands take (`/kick [#ROOM] NICK [reason]`): the operator acts as
 * `host` (`* bob was kicked from lobby by host`). What changes is reported by the hub's
 * events, which the log shows once, whoever acted; the commands answer only what no event
 * says (a list, a refusal, nothing to do). In a cluster `/kick`, `/mute` and `/unmute` reach a
 * client of another server through the hub, which asks that server to act (its log says what
 * was done); `/op` and `/deop` are for this server's clients.
 */
export const MODERATION_COMMANDS: Readonly<Record<string, ConsoleCommand>> = {
  kick: {
    usage: '/kick [#ROOM] NAME [REASON]',
    description: 'remove a client from ROOM (default: the one it talks in), telling the room why',
    run: (context, args) => {
      const { room, rest } = roomArgument(args);
      const [nick] = rest;
      if (nick === undefined) {
        usage(context, '/kick [#ROOM] NAME [REASON]');
        return;
      }
      const reason = rest.slice(1).join(' ');
      const found = anyPeer(context, nick);
      if (found === undefined) return;
      if ('remote' in found) {
        const { remote } = found;
        moderate(context, () => {
          context.hub.moderation.kick(remote.nick, { room, reason, by: OPERATOR_NAME });
          context.log.reply(`${remote.nick} is on another server (hub ${remote.hub}): asked it to kick`);
        });
        return;
      }
      const peer = found.local;
      const from = room ?? peer.room;
      // Out of its last room a client is disconnected, and raw clients (the documented client.py) hear no goodbye: told first, in a notice.
      if (peer.framing === 'raw' && from === context.hub.defaultRoom && peer.rooms.size === 1 && peer.rooms.has(from)) {
        notice(peer, `you were kicked from ${from} by ${OPERATOR_NAME}${reason === '' ? '' : `: ${reason}`}`);
      }
      moderate(context, () => {
        context.hub.moderation.kick(peer, { room, reason, by: OPERATOR_NAME });
      });
    },
  },
  ban: {
    usage: '/ban [#ROOM] TARGET [DURATION] [REASON]',
    description: 'ban a name, mask, address or network from the server (or ROOM), for 10m, 2h, 7d... or until /unban',
    run: (context, args) => {
      const { room, rest } = roomArgument(args);
      const [target, second] = rest;
      if (target === undefined) {
        usage(context, '/ban [#ROOM] TARGET [DURATION] [REASON]');
        return;
      }
      const timed = second !== undefined && isDuration(second);
      const reason = rest.slice(timed ? 2 : 1).join(' ');
      moderate(context, () => {
        context.hub.moderation.ban(target, { room, duration: timed ? second : undefined, reason, by: OPERATOR_NAME });
      });
    },
  },
  unban: {
    usage: '/unban [#ROOM] TARGET',
    description: 'lift a ban, named as /ban took it or as /bans lists it',
    run: (context, args) => {
      const { room, rest } = roomArgument(args);
      const [target] = rest;
      if (target === undefined || rest.length > 1) {
        usage(context, '/unban [#ROOM] TARGET');
        return;
      }
      moderate(context, () => {
        if (context.hub.moderation.unban(target, { room }) === undefined) context.log.reply(`no ban on ${target}${where(room)}`);
      });
    },
  },
  bans: {
    usage: '/bans [#ROOM]',
    description: 'list the bans of the server (or of ROOM)',
    run: (context, args) => {
      const { room, rest } = roomArgument(args);
      if (rest.length > 0) {
        usage(context, '/bans [#ROOM]');
        return;
      }
      const bans = context.hub.moderation.bans(room);
      if (bans.length === 0) {
        context.log.reply(`no bans${where(room)}`);
        return;
      }
      context.log.reply(`${bans.length} ban${bans.length === 1 ? '' : 's'}${where(room)}:`);
      for (const ban of bans) context.log.reply(`  ${describeBan(ban)}`);
    },
  },
  mute: {
    usage: '/mute NAME [DURATION]',
    description: "stop relaying a client's room messages, for 10m, 2h... or until /unmute",
    run: (context, args) => {
      const [nick, duration] = args;
      if (nick === undefined || args.length > 2) {
        usage(context, '/mute NAME [DURATION]');
        return;
      }
      const found = anyPeer(context, nick);
      if (found === undefined) return;
      moderate(context, () => {
        if ('local' in found) {
          context.hub.moderation.mute(found.local, { duration, by: OPERATOR_NAME });
          return;
        }
        context.hub.moderation.mute(found.remote.nick, { duration, by: OPERATOR_NAME });
        context.log.reply(`${found.remote.nick} is on another server (hub ${found.remote.hub}): asked it to mute`);
      });
    },
  },
  unmute: {
    usage: '/unmute NAME',
    description: "relay a muted client's messages again",
    run: (context, args) => {
      const [nick] = args;
      if (nick === undefined || args.length > 1) {
        usage(context, '/unmute NAME');
        return;
      }
      const found = anyPeer(context, nick);
      if (found === undefined) return;
      moderate(context, () => {
        if ('local' in found) {
          if (!context.hub.moderation.unmute(found.local, { by: OPERATOR_NAME })) context.log.reply(`${found.local.nick} is not muted`);
          return;
        }
        context.hub.moderation.unmute(found.remote.nick, { by: OPERATOR_NAME });
        context.log.reply(`${found.remote.nick} is on another server (hub ${found.remote.hub}): asked it to unmute`);
      });
    },
  },
  topic: {
    usage: '/topic [#ROOM] [TEXT]',
    description: "show ROOM's topic (default: the default room's), or set it to TEXT (- clears it)",
    run: (context, args, argText) => {
      const { room: named } = roomArgument(args);
      const room = named ?? context.hub.defaultRoom;
      const text = named === undefined ? argText.trim() : argText.replace(/^\S+\s*/, '').trim();
      moderate(context, () => {
        if (text === '') {
          const topic = context.hub.moderation.topic(room);
          context.log.reply(topic === undefined ? `${room} has no topic` : `topic of ${room}: ${topic.text} (set by ${topic.by})`);
        } else {
          context.hub.moderation.setTopic(room, text === '-' ? '' : text, { by: OPERATOR_NAME });
        }
      });
    },
  },
  op: {
    usage: '/op NAME',
    description: 'make a client an operator: it may kick, ban, mute and set topics',
    run: (context, args) => {
      operator(context, args, true);
    },
  },
  deop: {
    usage: '/deop NAME',
    description: "take a client's operator status back",
    run: (context, args) => {
      operator(context, args, false);
    },
  },
};

function operator(context: OperatorContext, args: string[], operate: boolean): void {
  const [nick] = args;
  if (nick === undefined || args.length > 1) {
    usage(context, operate ? '/op NAME' : '/deop NAME');
    return;
  }
  const peer = localPeer(context, nick);
  if (peer === undefined) return;
  if (peer.operator === operate) context.log.reply(`${peer.nick} is ${operate ? 'an operator already' : 'not an operator'}`);
  else context.hub.moderation.setOperator(peer, operate);
}

/** A leading `#room` argument, as the chat's commands take it, and the words after it. */
function roomArgument(args: readonly string[]): { room: string | undefined; rest: string[] } {
  const [first] = args;
  if (first?.startsWith('#') === true) return { room: first.slice(1), rest: args.slice(1) };
  return { room: undefined, rest: [...args] };
}

function where(room: string | undefined): string {
  return room === undefined ? ' on this server' : ` in ${room}`;
}

/** One ban as `/bans` lists it: `*!*@10.0.0.* by host, until 2026-12-07T01:00:00.000Z (spam)`. */
export function describeBan(ban: BanEntry): string {
  const until = ban.expiresAt === undefined ? '' : `, until ${new Date(ban.expiresAt).toISOString()}`;
  return `${ban.mask} by ${ban.by}${until}${ban.reason === '' ? '' : ` (${ban.reason})`}`;
}

function usage(context: OperatorContext, text: string): void {
  context.log.reply(`usage: ${text}`);
}

/**
 * Runs a moderation action; a refusal (a bad mask or duration, a full ban list, a bad room
 * name, someone not in that room) is the answer, in the library's words. Matched on the
 * stable `code`, not the class: the CLI may run against another copy of the library.
 */
function moderate(context: OperatorContext, action: () => void): void {
  try {
    action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('ERR_')) throw error;
    context.log.reply(error.message);
  }
}

/**
 * The client called `nick`: this server's, or in a cluster one of another server (which the
 * hub's moderation reaches by name); `undefined` after telling the operator there is none.
 */
function anyPeer(context: OperatorContext, nick: string): { local: Peer<ServeData> } | { remote: RemotePeer } | undefined {
  const local = context.hub.findPeer(nick);
  if (local !== undefined) return { local };
  const remote = context.hub.adapter?.findNick(nick);
  if (remote !== undefined) return { remote };
  context.log.reply(`nobody is called ${nick}`);
  return undefined;
}
