import { isBroadcastChatErrorCode } from '../../errors.js';
import { isStructuredCodec } from '../../protocol/structured.js';
import type { MessageContext } from '../message-context.js';
import { claimAndRename } from './claim-nick.js';
import type { ChatMode } from './chat-mode.js';
import type { CommandHandler, CommandInvocation, CommandOptions } from '../commands.js';
import { isDuration } from '../moderation/duration.js';
import type { HubModeration } from '../moderation/moderation.js';

/** A command to register: its name, handler and `/help` text. */
export interface CommandDefinition<T, D> extends CommandOptions {
  readonly name: string;
  readonly handler: CommandHandler<T, D>;
}

/**
 * The commands a chat hub starts with: `/nick`, `/join`, `/leave`, `/rooms`, `/who`,
 * `/msg`, `/me`, `/quit` and `/help`, `/history` on a hub that keeps one, and moderation's
 * (`/oper`, `/kick`, `/ban`, `/unban`, `/bans`, `/mute`, `/unmute`, `/topic`). Each is an
 * ordinary command handler, which `hub.command()` can replace or remove.
 * @internal
 */
export function builtinCommands<T, D>(chat: ChatMode<D>): CommandDefinition<T, D>[] {
  return [...(chat.keepsHistory ? [historyCommand<T, D>(chat)] : []), ...coreCommands<T, D>(chat), ...moderationCommands<T, D>(chat)];
}

/** `/history [N]`: the last messages of the room you talk in, marked as history. */
function historyCommand<T, D>(chat: ChatMode<D>): CommandDefinition<T, D> {
  const { defaultCount, maxCount } = chat.historyLimits;
  return {
    name: 'history',
    usage: '[N]',
    description: `replay the last N messages of your room (default ${defaultCount}, at most ${maxCount})`,
    handler: (ctx, { args }) => {
      const [given] = args;
      const count = given === undefined ? defaultCount : Number(given);
      if (args.length > 1 || !Number.isInteger(count) || count < 1) usage(ctx, '/history [N], N a whole number from 1');
      // A raw peer could not tell replayed text from live text; envelopes carry `history: true`.
      else if (!ctx.peer.frameEncoder.delimited && !isStructuredCodec(ctx.peer.frameEncoder)) ctx.refuse('ERR_USAGE', 'history needs a line or json client');
      else chat.replayHistory(ctx.peer, Math.min(count, maxCount));
    },
  };
}

function coreCommands<T, D>(chat: ChatMode<D>): CommandDefinition<T, D>[] {
  return [
    {
      name: 'nick',
      usage: 'NAME',
      description: 'change your nickname',
      handler: (ctx, { argText: nick }) => {
        // The whole argument is the name, so that `/nick alice smith` is refused rather than cut.
        if (nick === '') {
          chat.reply(ctx.peer, `you are ${ctx.peer.nick}; /nick NAME changes it`);
          return;
        }
        const adapter = ctx.hub.adapter;
        if (adapter === undefined) {
          attempt(ctx, () => {
            ctx.peer.setNick(nick);
          });
          return undefined;
        }
        // Across hubs the name is claimed in the broker first: the command turns async, and the
        // sender's later messages wait for it, in order.
        return claimAndRename(ctx.hub, adapter, ctx.peer, nick).catch((error: unknown) => {
          refuseError(ctx, error);
        });
      },
    },
    {
      name: 'join',
      usage: 'ROOM',
      description: 'join a room and talk there',
      handler: (ctx, { argText: room }) => {
        if (room === '') {
          usage(ctx, '/join ROOM');
          return;
        }
        attempt(ctx, () => {
          if (ctx.peer.rooms.has(room) && ctx.peer.room !== room) chat.reply(ctx.peer, `you are now talking in ${room}`);
          ctx.peer.join(room);
        });
        // The room's history only now, through the handlers and in: never to one refused entry.
        const envelope = ctx.envelope;
        if (envelope?.type === 'join' && envelope.room === room && ctx.peer.rooms.has(room)) chat.replayRequested(ctx.peer, room, envelope);
      },
    },
    {
      name: 'leave',
      usage: '[ROOM]',
      description: 'leave a room (default: the one you talk in)',
      handler: (ctx, { argText }) => {
        const room = argText === '' ? ctx.peer.room : argText;
        if (!ctx.peer.rooms.has(room)) ctx.refuse('ERR_NOT_IN_ROOM', `you are not in ${room}`);
        else if (!ctx.peer.leave(room)) chat.reply(ctx.peer, `you stay in ${room}: it is the default room and your only one`);
      },
    },
    {
      name: 'rooms',
      description: 'list the rooms',
      handler: (ctx) => {
        const counts = new Map<string, number>();
        for (const [room, members] of ctx.hub.rooms) if (members.size > 0) counts.set(room, members.size);
        // Members on the other hubs of a cluster count too.
        for (const peer of ctx.hub.adapter?.remotePeers() ?? []) for (const room of peer.rooms) counts.set(room, (counts.get(room) ?? 0) + 1);
        const rooms = [...counts].map(([room, count]) => `${room} (${count})`);
        const names = [...counts.keys()];
        chat.reply(ctx.peer, `rooms: ${rooms.join(', ')}`, names);
      },
    },
    {
      name: 'who',
      usage: '[ROOM]',
      description: 'list who is in a room (default: yours)',
      handler: (ctx, { args }) => {
        const room = args[0] ?? ctx.peer.room;
        const names = [...ctx.hub.to(room).members].map((peer) => peer.nick);
        for (const peer of ctx.hub.adapter?.remotePeers() ?? []) if (peer.rooms.includes(room)) names.push(peer.nick);
        names.sort();
        chat.reply(ctx.peer, names.length === 0 ? `nobody is in ${room}` : `in ${room}: ${names.join(', ')}`, names);
      },
    },
    {
      name: 'msg',
      usage: 'NAME text',
      description: 'send a direct message',
      handler: (ctx, command) => {
        const [nick] = command.args;
        const text = rest(command, 1);
        const target = nick === undefined ? undefined : ctx.hub.findPeer(nick);
        if (nick === undefined || text === '') usage(ctx, '/msg NAME text');
        else if (target === undefined) {
          // Someone on another hub of the cluster, by the name it is known by there.
          const adapter = ctx.hub.adapter;
          const remote = adapter?.findNick(nick);
          // While the link is down a remote message would be dropped without a word, and the
          // other hubs' presence may be stale: say so rather than pretend it went or is unknown.
          if (adapter !== undefined && adapter.status !== 'connected') {
            ctx.refuse('ERR_CLUSTER_UNAVAILABLE', `cannot reach ${remote?.nick ?? nick}: the link to the other hubs is ${adapter.status}`);
          } else if (remote === undefined) ctx.refuse('ERR_NO_SUCH_NICK', `nobody is called ${nick}`);
          else chat.relayRemoteDirect(ctx.peer, remote.nick, text);
        }
        else ctx.hub.relayMessage(ctx.peer, text, { to: target });
      },
    },
    {
      name: 'me',
      usage: 'text',
      description: 'say what you are doing: /me waves',
      handler: (ctx, { argText }) => {
        if (argText === '') usage(ctx, '/me text');
        else if (chat.moderation?.refuseMuted(ctx.peer, ctx.room) !== true) ctx.hub.relayMessage(ctx.peer, argText, { room: ctx.room, action: true });
      },
    },
    {
      name: 'quit',
      usage: '[reason]',
      description: 'leave the chat',
      handler: (ctx, { argText }) => {
        if (argText !== '') chat.setQuitReason(ctx.peer, argText.slice(0, 200));
        ctx.peer.close('client-closed');
      },
    },
    {
      name: 'help',
      description: 'list the commands',
      handler: (ctx) => {
        const lines = ctx.hub.commands.map(({ name, usage: args, description }) => `/${name}${args === undefined ? '' : ` ${args}`}${description === undefined ? '' : ` - ${description}`}`);
        chat.reply(ctx.peer, 'commands:');
        for (const line of lines) chat.reply(ctx.peer, line);
        chat.reply(ctx.peer, 'start a message with // to send a leading /');
      },
    },
  ];
}

/**
 * The moderation commands (`/oper`, `/kick`, `/ban`, `/unban`, `/bans`, `/mute`, `/unmute`,
 * `/topic`): each acts through the hub's moderation, the same for every kind of client (JSON
 * envelopes and IRC verbs run these very handlers). All but `/oper` and reading a topic are
 * for operators.
 */
function moderationCommands<T, D>(chat: ChatMode<D>): CommandDefinition<T, D>[] {
  /** Runs `action` with the hub's moderation, for operators only when `privileged`; refusals answer the sender. */
  const moderate = (ctx: MessageContext<T, D>, privileged: boolean, action: (moderation: HubModeration<D>) => void): void => {
    const moderation = chat.moderation;
    if (moderation === undefined) return;
    attempt(ctx, () => {
      if (privileged) moderation.requireOperator(ctx.peer);
      action(moderation);
    });
  };
  return [
    {
      name: 'oper',
      usage: 'NAME PASSWORD',
      description: 'become an operator',
      handler: (ctx, { args, argText }) => {
        const envelope = ctx.envelope;
        const [name] = args;
        // The password is everything after the name, spaces included (a passphrase).
        const password = envelope?.type === 'oper' ? envelope.password : /^\S+\s+(.+)$/su.exec(argText)?.[1];
        const moderation = chat.moderation;
        if (name === undefined || password === undefined || moderation === undefined) {
          usage(ctx, '/oper NAME PASSWORD');
          return undefined;
        }
        if (ctx.peer.operator) {
          chat.reply(ctx.peer, 'you are an operator already');
          return undefined;
        }
        return moderation.operate(ctx.peer, name, password).catch((error: unknown) => {
          refuseError(ctx, error);
        });
      },
    },
    {
      name: 'kick',
      usage: '[#ROOM] NICK [reason]',
      description: 'remove someone from a room (operators)',
      handler: (ctx, command) => {
        const { room, rest: words } = roomArgument(command);
        const [nick] = words;
        if (nick === undefined) {
          usage(ctx, '/kick [#ROOM] NICK [reason]');
          return;
        }
        const reason = words.slice(1).join(' ');
        moderate(ctx, true, (moderation) => {
          moderation.kick(nick, { room: room ?? ctx.peer.room, reason, by: ctx.peer.nick });
        });
      },
    },
    {
      name: 'ban',
      usage: '[#ROOM] NICK|MASK|ADDRESS [DURATION] [reason]',
      description: 'ban from the hub or a room, for 10m, 2h, 7d... or until /unban (operators)',
      handler: (ctx, command) => {
        const { room, rest: words } = roomArgument(command);
        const [target, second] = words;
        if (target === undefined) {
          usage(ctx, '/ban [#ROOM] NICK|MASK|ADDRESS [DURATION] [reason]');
          return;
        }
        const timed = second !== undefined && isDuration(second);
        const duration = timed ? second : undefined;
        const reason = words.slice(timed ? 2 : 1).join(' ');
        moderate(ctx, true, (moderation) => {
          const entry = moderation.ban(target, { room, duration, reason, by: ctx.peer.nick });
          chat.reply(ctx.peer, `banned ${entry.mask}${room === undefined ? '' : ` from ${room}`}${duration === undefined ? '' : ` for ${duration}`}`);
        });
      },
    },
    {
      name: 'unban',
      usage: '[#ROOM] NICK|MASK|ADDRESS',
      description: 'lift a ban (operators)',
      handler: (ctx, command) => {
        const { room, rest: words } = roomArgument(command);
        const [target] = words;
        if (target === undefined) {
          usage(ctx, '/unban [#ROOM] NICK|MASK|ADDRESS');
          return;
        }
        moderate(ctx, true, (moderation) => {
          const entry = moderation.unban(target, { room, by: ctx.peer.nick });
          chat.reply(ctx.peer, entry === undefined ? `no ban on ${target}` : `unbanned ${entry.mask}${room === undefined ? '' : ` from ${room}`}`);
        });
      },
    },
    {
      name: 'bans',
      usage: '[#ROOM]',
      description: 'list the bans of the hub or a room (operators)',
      handler: (ctx, command) => {
        const { room } = roomArgument(command);
        moderate(ctx, true, (moderation) => {
          const bans = moderation.bans(room);
          const where = room ?? 'the hub';
          const shown = bans.map((ban) => `${ban.mask} by ${ban.by}${ban.expiresAt === undefined ? '' : ` until ${new Date(ban.expiresAt).toISOString()}`}${ban.reason === '' ? '' : ` (${ban.reason})`}`);
          chat.reply(ctx.peer, bans.length === 0 ? `no bans on ${where}` : `bans on ${where}: ${shown.join(', ')}`, bans.map((ban) => ban.mask));
        });
      },
    },
    {
      name: 'mute',
      usage: 'NICK [DURATION]',
      description: 'stop relaying what someone says in rooms (operators)',
      handler: (ctx, { args }) => {
        const [nick, duration] = args;
        if (nick === undefined || args.length > 2) {
          usage(ctx, '/mute NICK [DURATION]');
          return;
        }
        moderate(ctx, true, (moderation) => {
          moderation.mute(nick, { duration, by: ctx.peer.nick });
          chat.reply(ctx.peer, `muted ${nick}${duration === undefined ? '' : ` for ${duration}`}`);
        });
      },
    },
    {
      name: 'unmute',
      usage: 'NICK',
      description: 'relay what someone says again (operators)',
      handler: (ctx, { args }) => {
        const [nick] = args;
        if (nick === undefined || args.length > 1) {
          usage(ctx, '/unmute NICK');
          return;
        }
        moderate(ctx, true, (moderation) => {
          chat.reply(ctx.peer, moderation.unmute(nick, { by: ctx.peer.nick }) ? `unmuted ${nick}` : `${nick} was not muted`);
        });
      },
    },
    {
      name: 'topic',
      usage: '[#ROOM] [text]',
      description: "show a room's topic; operators set it (- clears it)",
      handler: (ctx, command) => {
        const { room: named, rest: words } = roomArgument(command);
        const room = named ?? ctx.peer.room;
        const envelope = ctx.envelope;
        // A JSON topic with `text: ''` clears it; a typed `-`, alone, does (`/topic -`); without text it asks.
        const typed = words.length === 0 ? undefined : words.join(' ');
        const text = envelope?.type === 'topic' ? envelope.text : typed === '-' ? '' : typed;
        if (text === undefined) {
          moderate(ctx, false, (moderation) => {
            if (!ctx.peer.rooms.has(room)) {
              ctx.refuse('ERR_NOT_IN_ROOM', `you are not in ${room}`);
              return;
            }
            const topic = moderation.topic(room);
            chat.reply(ctx.peer, topic === undefined ? `${room} has no topic` : `topic of ${room}: ${topic.text} (set by ${topic.by})`);
          });
          return;
        }
        moderate(ctx, true, (moderation) => {
          moderation.setTopic(room, text, { by: ctx.peer.nick });
        });
      },
    },
  ];
}

/** A leading `#room` argument, if the command names one, and the words after it. */
function roomArgument(command: CommandInvocation): { room: string | undefined; rest: readonly string[] } {
  const [first] = command.args;
  if (first?.startsWith('#') === true) return { room: first.slice(1), rest: command.args.slice(1) };
  return { room: undefined, rest: command.args };
}

/** The text after the first `skip` arguments, as typed. */
function rest(command: CommandInvocation, skip: number): string {
  let text = command.argText;
  for (let index = 0; index < skip; index += 1) text = text.replace(/^\S+\s*/, '');
  return text;
}

function usage<T, D>(ctx: MessageContext<T, D>, text: string): void {
  ctx.refuse('ERR_USAGE', `usage: ${text}`);
}

/** Runs a name change or a room move, turning a refused name into an answer to the sender. */
function attempt<T, D>(ctx: MessageContext<T, D>, action: () => void): void {
  try {
    action();
  } catch (error) {
    refuseError(ctx, error);
  }
}

/**
 * Answers the sender with a refused name, an unreachable cluster or a limit; anything else is a
 * handler error. Matched on the stable `code`, not the class: an error thrown by another copy
 * of the library (a bundle, an adapter loaded twice) is no instance of ours.
 */
function refuseError<T, D>(ctx: MessageContext<T, D>, error: unknown): void {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && isBroadcastChatErrorCode(code)) ctx.refuse(code, (error as Error).message);
  else if (error instanceof RangeError) ctx.refuse('ERR_LIMIT', error.message);
  else throw error;
}
