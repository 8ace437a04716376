import type { CommandHandler } from '../internals.js';
import { parseCommand } from '../internals.js';
import { MODERATION_COMMANDS } from './moderation-console.js';
import { localPeer, OPERATOR_NAME, type ConsoleCommand, type OperatorContext, type ServeData, type ServeHub } from './operator-context.js';
import { formatAddress, printableLine } from './terminal.js';

const COMMANDS: Readonly<Record<string, ConsoleCommand>> = {
  who: { usage: '/who [ROOM]', description: 'list the clients (in ROOM), with their address and framing', run: who },
  rooms: { usage: '/rooms', description: 'list the rooms and how many are in each', run: rooms },
  say: { usage: '/say TEXT', description: `say TEXT to everyone as ${OPERATOR_NAME} (for text that starts with /)`, run: (context, _args, text) => {
    if (text === '') context.log.reply('usage: /say TEXT');
    else say(context, text);
  } },
  msg: { usage: '/msg NAME TEXT', description: 'send a direct message to one client of this server', run: direct },
  ...MODERATION_COMMANDS,
  help: { usage: '/help', description: 'list these commands', run: help },
};

/**
 * Runs one line typed at the console. `exit` (any case) stops the server. Otherwise, on a
 * plain hub the line goes to every client verbatim, as the documented server does; in chat
 * mode it is said as the host (`host: hello`), and `/who`, `/rooms`, `/say`, `/msg`, the
 * moderation commands (`/kick`, `/ban`, `/unban`, `/bans`, `/mute`, `/unmute`, `/topic`,
 * `/op`, `/deop`) and `/help` are the operator's commands (`//text` says `/text`).
 */
export function runOperatorLine(line: string, context: OperatorContext): void {
  if (line.trim().toLowerCase() === 'exit') {
    context.stop();
    return;
  }
  if (line === '') return;
  if (!context.chat) {
    say(context, line);
    return;
  }
  if (line.startsWith('//')) {
    say(context, line.slice(1));
    return;
  }
  const invocation = parseCommand(line);
  if (invocation === undefined) {
    if (line.trim() !== '') say(context, line);
    return;
  }
  const command = COMMANDS[invocation.name];
  if (command === undefined) context.log.reply(`unknown command /${invocation.name}; /help lists the operator's commands`);
  else command.run(context, [...invocation.args], invocation.argText);
}

/** Sends `text` to every client, in a cluster to those of every server: verbatim on a plain hub, as the host in chat mode. */
function say(context: OperatorContext, text: string): void {
  const delivered = context.hub.broadcast(context.chat ? `${OPERATOR_NAME}: ${text}` : text);
  context.log.said(text, delivered, context.hub.adapter !== undefined);
}

function who(context: OperatorContext, args: string[]): void {
  const room = args[0];
  const local = [...context.hub.clients].filter((peer) => room === undefined || peer.rooms.has(room));
  const remote = (context.hub.adapter?.remotePeers() ?? []).filter((peer) => room === undefined || peer.rooms.includes(room));
  const place = room === undefined ? '' : ` in ${room}`;
  if (local.length === 0 && remote.length === 0) {
    context.log.reply(`nobody is connected${place}`);
    return;
  }
  const total = `${local.length} client${local.length === 1 ? '' : 's'} here${place}`;
  context.log.reply(context.hub.adapter === undefined ? `${total}:` : `${total}, ${remote.length} on the other servers:`);
  // In columns: name, where (address and framing, or the other server), rooms.
  const rows = [
    ...local.sort((a, b) => a.nick.localeCompare(b.nick)).map((peer) => [peer.nick, `${formatAddress(peer.remoteAddress, peer.remotePort)} ${peer.framing}`, [...peer.rooms].join(', ')]),
    ...remote.sort((a, b) => a.nick.localeCompare(b.nick)).map((peer) => [peer.nick, `(hub ${peer.hub})`, peer.rooms.join(', ')]),
  ];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const [nick = '', where = '', inRooms = ''] of rows) context.log.reply(`  ${nick.padEnd(widths[0] ?? 0)}  ${where.padEnd(widths[1] ?? 0)}  ${inRooms}`);
}

function rooms(context: OperatorContext): void {
  const counts = new Map<string, number>();
  for (const [room, members] of context.hub.rooms) if (members.size > 0) counts.set(room, members.size);
  for (const peer of context.hub.adapter?.remotePeers() ?? []) for (const room of peer.rooms) counts.set(room, (counts.get(room) ?? 0) + 1);
  context.log.reply(counts.size === 0 ? 'no rooms have anyone in them' : `rooms: ${[...counts].map(([room, count]) => `${room} (${count})`).join(', ')}`);
}

function direct(context: OperatorContext, args: string[], argText: string): void {
  const [nick] = args;
  const text = argText.replace(/^\S+\s*/, '');
  if (nick === undefined || text === '') {
    context.log.reply('usage: /msg NAME TEXT');
    return;
  }
  const peer = localPeer(context, nick);
  if (peer === undefined) return;
  peer.send(`[dm] ${OPERATOR_NAME}: ${text}`);
  context.log.reply(`[dm] ${OPERATOR_NAME} -> ${peer.nick}: ${printableLine(text)}`);
}

function help(context: OperatorContext): void {
  context.log.reply("the operator's commands (anything else is said to everyone):");
  for (const command of Object.values(COMMANDS)) context.log.reply(`  ${command.usage} - ${command.description}`);
  context.log.reply('  exit - stop the server, telling every client');
}

/**
 * Keeps the operator's name for the operator: wraps the hub's `/nick` (which JSON `hello`
 * and `nick` envelopes run too) so that no client can pass for the host.
 */
export function reserveOperatorName(hub: ServeHub): void {
  const builtin = hub.commands.find((entry) => entry.name === 'nick');
  if (builtin === undefined) return;
  const guarded: CommandHandler<string | Buffer, ServeData> = (ctx, invocation) => {
    if (invocation.argText.toLowerCase() === OPERATOR_NAME) {
      ctx.refuse('ERR_NAME_TAKEN', `${OPERATOR_NAME} is the server operator's name`);
      return undefined;
    }
    return builtin.handler(ctx, invocation);
  };
  hub.command('nick', guarded, { ...(builtin.usage === undefined ? {} : { usage: builtin.usage }), ...(builtin.description === undefined ? {} : { description: builtin.description }) });
}
