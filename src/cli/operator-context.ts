import type { BroadcastHub, Peer } from '../internals.js';
import type { ServeLog } from './serve-log.js';

/** The name the operator speaks under in chat mode; no client may take it. */
export const OPERATOR_NAME = 'host';

/** A hub as the console drives it: text or (with `length`) binary messages, per-client state of its own. */
export type ServeHub = BroadcastHub<string | Buffer, ServeData>;

/** What `serve` keeps on `peer.data`: whether the message of the day went out (mixed framing only). */
export interface ServeData {
  motdSent?: true;
}

/** What an operator command needs. */
export interface OperatorContext {
  readonly hub: ServeHub;
  readonly log: ServeLog;
  /** Whether the hub runs in chat mode: then lines are said as the host, and slash commands run. */
  readonly chat: boolean;
  /** Stops the server gracefully. */
  stop(): void;
}

/** One operator command: how it is typed, what it does, and the code that runs it. */
export interface ConsoleCommand {
  readonly usage: string;
  readonly description: string;
  run(context: OperatorContext, args: string[], argText: string): void;
}

/** Framings whose clients are told text as a notice already: a `system` envelope (JSON, WebSocket), a server NOTICE (IRC). */
const NOTICE_FRAMINGS: ReadonlySet<string> = new Set(['json', 'websocket', 'irc']);

/** Tells one client something, as chat mode writes notices: `* text` on text framings, a `system` envelope on JSON and WebSocket, a NOTICE on IRC. */
export function notice(peer: Peer<ServeData>, text: string): void {
  peer.send(NOTICE_FRAMINGS.has(peer.framing) ? text : `* ${text}`);
}

/** The client called `nick` on this server, or `undefined` after telling the operator why not. */
export function localPeer(context: OperatorContext, nick: string): Peer<ServeData> | undefined {
  const peer = context.hub.findPeer(nick);
  if (peer !== undefined) return peer;
  const remote = context.hub.adapter?.findNick(nick);
  context.log.reply(remote === undefined ? `nobody is called ${nick}` : `${remote.nick} is on another server (hub ${remote.hub}): use its console`);
  return undefined;
}
