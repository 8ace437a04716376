import type { IrcDoor, ListenIrcOptions } from '../irc.js';
import type { ServeData, ServeHub } from './operator-context.js';
import { importOptional } from './optional-module.js';

/** What `serve --irc` was asked for. */
export interface IrcChoice {
  /** `--irc PORT`: the IRC door's port; none without `--irc`. */
  readonly irc?: number | undefined;
  /** `--irc-host`; `host` (the hub's) when not given. */
  readonly ircHost?: string | undefined;
  readonly host: string;
  /** The hub's TLS key and certificate: IRC clients get TLS where the hub's other clients do. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer } | undefined;
  readonly handshakeTimeout?: number | undefined;
  /** `--motd`: IRC clients get it as the MOTD (375/372/376) of their welcome. */
  readonly motd?: string | undefined;
  readonly heartbeatInterval?: number | undefined;
  /**
   * `--command-burst`, `--command-rate` (`false`: `--no-command-rate`): the door's `queryRate`
   * too, so that WHO, NAMES, LIST... cost an IRC user what `/who` costs a text client.
   */
  readonly commandRate?: { readonly burst: number; readonly rate: number } | false | undefined;
}

/** The `broadcast-chat/irc` entry, whose `listenIrc` `--irc` runs. */
export type IrcEntry = Pick<typeof import('../irc.js'), 'listenIrc'>;

/** The IRC door as `serve` runs it. */
export type IrcServer = IrcDoor<ServeData>;

/**
 * Loads `broadcast-chat/irc` for `--irc`, or resolves `undefined` without it. By the package's
 * own name, as the other optional entries are, so that the CLI holds one copy of the library
 * (see `importOptional`); it needs no package beyond this one.
 */
export async function loadIrcEntry(choice: IrcChoice): Promise<IrcEntry | undefined> {
  if (choice.irc === undefined) return undefined;
  return importOptional<IrcEntry>('broadcast-chat/irc', 'broadcast-chat', '--irc');
}

/**
 * Lets IRC clients into `hub`'s chat on `--irc PORT`: over TLS with the hub's certificate when
 * serve has one, with serve's message of the day, heartbeat and command rate (as `queryRate`). Resolves once it listens;
 * rejects as `listenIrc` does (a `ListenError`, or an `AbortError` from `signal`). The door
 * stops when the hub closes, and the hub says goodbye to its IRC clients as to the others.
 */
export async function serveIrc(entry: IrcEntry, hub: ServeHub, choice: IrcChoice & { readonly irc: number }, signal: AbortSignal): Promise<IrcServer> {
  const options: ListenIrcOptions = { port: choice.irc, host: ircHost(choice), signal };
  if (choice.tls !== undefined) {
    options.tls = { key: choice.tls.key, cert: choice.tls.cert };
    if (choice.handshakeTimeout !== undefined) options.handshakeTimeout = choice.handshakeTimeout;
  }
  if (choice.motd !== undefined) options.motd = choice.motd.split(/\r?\n/).filter((line) => line !== '');
  if (choice.heartbeatInterval !== undefined) options.heartbeatInterval = choice.heartbeatInterval;
  // The same shape and defaults (40 at once, then 4 a second) as the hub's commandRate: one pair of flags for both.
  if (choice.commandRate !== undefined) options.queryRate = choice.commandRate === false ? false : { burst: choice.commandRate.burst, rate: choice.commandRate.rate };
  return entry.listenIrc(hub, options);
}

/** Where the IRC door listens: `--irc-host`, or the hub's own address. */
export function ircHost(choice: IrcChoice): string {
  return choice.ircHost ?? choice.host;
}
