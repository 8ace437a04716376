import type { TlsOptions } from 'node:tls';
import { DEFAULT_COMMAND_BURST, DEFAULT_COMMAND_RATE, DEFAULT_HEARTBEAT_INTERVAL_MS } from '../defaults.js';
import { isValidHostname } from '../protocol/irc-mask.js';

/** The IRCv3 capabilities the door offers. */
export type IrcCapability = 'server-time' | 'echo-message' | 'batch';

/** Every capability the door knows, in the order `CAP LS` lists them. */
export const IRC_CAPABILITIES: readonly IrcCapability[] = ['server-time', 'echo-message', 'batch'];

/** The default IRC port (6697 over TLS). */
export const DEFAULT_IRC_PORT = 6667;
/** The default IRC port over TLS. */
export const DEFAULT_IRC_TLS_PORT = 6697;
/** Milliseconds a connection gets to register (NICK, USER and CAP END) before it is cut (60 s). */
export const DEFAULT_IRC_REGISTRATION_TIMEOUT_MS = 60_000;

/** Options for `new IrcDoor()`: how the door introduces itself and how long it waits. */
export interface IrcDoorOptions {
  /** The server's name, the source of its replies: a host name with a dot. Default `broadcast-chat.local`. */
  serverName?: string;
  /** The network's name, shown in the welcome and ISUPPORT `NETWORK`. Default `broadcast-chat`. */
  network?: string;
  /** The message of the day, shown after the welcome: text (lines split on newlines) or lines. Default none (422). */
  motd?: string | readonly string[];
  /**
   * The host part every user is shown with (`alice!alice@host`), whoever they are and however
   * they connected: addresses are never shown to other users. Default `host`.
   */
  userHost?: string;
  /**
   * Milliseconds between the door's PINGs to each registered client; one that has not answered
   * (with any PONG) by the next is closed with reason `heartbeat`. `0` turns it off. Default 30000.
   */
  heartbeatInterval?: number;
  /**
   * Milliseconds a connection gets to finish registering (NICK, USER, and CAP END when it began
   * with CAP); then it is closed with reason `timeout`. Default 60000. With an `authenticate`
   * hook the hub's `authTimeout` applies too, from the connection's start.
   */
  registrationTimeout?: number;
  /**
   * The IRCv3 capabilities offered to clients. Default: `server-time` and `echo-message`, and
   * `batch` on a hub that keeps a history (its replays are `chathistory` batches).
   */
  capabilities?: readonly IrcCapability[];
  /**
   * Per-client rate of the queries the door answers itself from the hub's state (WHO, NAMES,
   * LIST, WHOIS...), whose answers grow with the hub: `burst` at once, then `rate` per second;
   * more are answered with 263 (try again). The hub's own `commandRate` covers what goes to it
   * (JOIN, PART, NICK, PRIVMSG to a nick). Default 40 at once, then 4 per second; `false` turns it off.
   */
  queryRate?: { burst: number; rate: number } | false;
}

/** Where an IRC door listens: `door.listen()`. */
export interface IrcListenOptions {
  /** TCP port. Default 6667, or 6697 with `tls`. `0` picks a free one. */
  port?: number | undefined;
  /** Address to bind. Default `0.0.0.0`. */
  host?: string | undefined;
  /** Listen over TLS with these options (`key` and `cert` at least); TLS 1.2 at the least. Default: plain TCP. */
  tls?: TlsOptions | undefined;
  /** Milliseconds a TLS handshake may take before the connection is dropped. Default 10000. */
  handshakeTimeout?: number | undefined;
  /** Aborts the listen. */
  signal?: AbortSignal | undefined;
}

/** Options for `listenIrc()`: the door's, and where to listen. */
export interface ListenIrcOptions extends IrcDoorOptions, IrcListenOptions {}

/** The options, checked and with their defaults: what `door.options` holds. */
export interface ResolvedIrcOptions {
  readonly serverName: string;
  readonly network: string;
  readonly motd: readonly string[];
  readonly userHost: string;
  readonly heartbeatInterval: number;
  readonly registrationTimeout: number;
  readonly capabilities: readonly IrcCapability[];
  readonly queryRate: { readonly burst: number; readonly rate: number } | undefined;
}

/** A word fit for a name on the wire: no spaces or line breaks, not starting with `:`. */
const WORD = /^[^\s:,][^\s,]{0,63}$/;

/**
 * Checks the door's options (a `TypeError` or `RangeError` naming the option) and fills in
 * the defaults; `history`: the hub keeps one (then `batch` is offered by default).
 * @internal
 */
export function resolveIrcOptions(options: IrcDoorOptions, history = true): ResolvedIrcOptions {
  const serverName = options.serverName ?? 'broadcast-chat.local';
  if (typeof serverName !== 'string' || !isValidHostname(serverName)) {
    throw new TypeError(`serverName must be a host name with a dot (clients take a name without one for a nickname), got ${JSON.stringify(serverName)}`);
  }
  const network = options.network ?? 'broadcast-chat';
  if (typeof network !== 'string' || !WORD.test(network)) throw new TypeError(`network must be one word of at most 64 characters, got ${JSON.stringify(network)}`);
  const userHost = options.userHost ?? 'host';
  if (typeof userHost !== 'string' || !WORD.test(userHost) || userHost.includes('!') || userHost.includes('@')) {
    throw new TypeError(`userHost must be one word without '!' or '@', got ${JSON.stringify(userHost)}`);
  }
  const motd = options.motd === undefined ? [] : typeof options.motd === 'string' ? options.motd.split(/\r?\n/) : [...options.motd];
  if (!motd.every((line) => typeof line === 'string')) throw new TypeError('motd must be a string or an array of strings');
  // `batch` frames history replays only: a hub without history has nothing to put in one.
  const capabilities = options.capabilities ?? (history ? IRC_CAPABILITIES : IRC_CAPABILITIES.filter((name) => name !== 'batch'));
  for (const capability of capabilities) {
    if (!IRC_CAPABILITIES.includes(capability)) throw new TypeError(`capabilities may hold ${IRC_CAPABILITIES.map((name) => `'${name}'`).join(', ')}, got ${JSON.stringify(capability)}`);
  }
  return {
    serverName,
    network,
    motd,
    userHost,
    heartbeatInterval: atLeastZero('heartbeatInterval', options.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL_MS),
    registrationTimeout: positive('registrationTimeout', options.registrationTimeout ?? DEFAULT_IRC_REGISTRATION_TIMEOUT_MS),
    capabilities: [...new Set(capabilities)],
    queryRate: options.queryRate === false ? undefined : resolveRate(options.queryRate ?? { burst: DEFAULT_COMMAND_BURST, rate: DEFAULT_COMMAND_RATE }),
  };
}

function resolveRate(limit: { burst: number; rate: number }): { burst: number; rate: number } {
  if (typeof limit !== 'object' || !Number.isInteger(limit.burst) || limit.burst < 1) throw new RangeError(`queryRate.burst must be a whole number of at least 1, got ${String((limit as Partial<typeof limit> | undefined)?.burst)}`);
  if (!Number.isFinite(limit.rate) || limit.rate <= 0) throw new RangeError(`queryRate.rate must be a positive number, got ${String(limit.rate)}`);
  return { burst: limit.burst, rate: limit.rate };
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

function atLeastZero(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be 0 (off) or a positive number of milliseconds, got ${String(value)}`);
  return value;
}
