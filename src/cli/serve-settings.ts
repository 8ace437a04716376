import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_COMMAND_BURST,
  DEFAULT_COMMAND_RATE,
  DEFAULT_FLOOD_MAX_BACKLOG,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HISTORY_REPLAY,
  DEFAULT_HOST,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_DELAY_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CLIENTS_PER_ADDRESS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS,
  DEFAULT_PORT,
  DEFAULT_ROOM,
  DEFAULT_SOFT_QUEUED_BYTES,
  DEFAULT_SOFT_QUEUED_TIMEOUT_MS,
  roomProblem,
  type FloodOptions,
  type FramingName,
  type OversizedMessagePolicy,
  type SlowConsumerPolicy,
} from '../internals.js';
import { host, port, UsageError } from './flags.js';
import { bytes, count, duration, flood, invalid, oneOf, onOff, operators, origins, rate, seconds, text, type ValueReader } from './option-values.js';

/** The framings `serve` offers: the console itself stays text, whatever its clients speak. */
export const SERVE_FRAMINGS: readonly FramingName[] = ['auto', 'line', 'raw', 'length', 'json', 'mixed'];

/** How `serve` logs: `text` lines for people, or one JSON object per event for machines. */
export type LogFormat = 'text' | 'json';

// Not exported by the library: the hub's own literals (src/hub/hub.ts), shown in the help.
const DEFAULT_MAX_PENDING_MESSAGES = 1000;
const DEFAULT_MAX_PENDING_BYTES = 1024 * 1024;

/**
 * Everything `serve` can be told, from flags, the environment or a config file. Absent means
 * the library's default. Keys are the config file's keys and, where the library has the
 * option, its name too.
 */
export interface ServeSettings {
  host?: string;
  port?: number;
  tlsKey?: string;
  tlsCert?: string;
  handshakeTimeout?: number;
  framing?: FramingName;
  chat?: boolean;
  room?: string;
  motd?: string;
  guestPrefix?: string;
  rawNotices?: boolean;
  echo?: boolean;
  /** Operator accounts, by name: the hub's `moderation.operators`, each a hash from `broadcast-chat hash-password`. */
  operator?: Readonly<Record<string, string>>;
  /** Messages each room keeps (the hub's `history.messages`); `0` is off, as absent is. */
  history?: number;
  /** Messages a text client is replayed on joining a room (the hub's `history.replayOnJoin`). */
  historyReplay?: number;
  redis?: string;
  nats?: string;
  prefix?: string;
  hubId?: string;
  web?: number;
  metrics?: number;
  webHost?: string;
  webOrigin?: readonly string[];
  /** The IRC door's port (`listenIrc` from `broadcast-chat/irc`). */
  irc?: number;
  ircHost?: string;
  maxClients?: number;
  maxClientsPerAddress?: number;
  maxMessageBytes?: number;
  oversizedMessage?: OversizedMessagePolicy;
  invalidUtf8?: 'replace' | 'reject';
  maxQueuedBytes?: number;
  slowConsumerPolicy?: SlowConsumerPolicy;
  softQueuedBytes?: number;
  softQueuedSeconds?: number;
  idleTimeout?: number;
  partialMessageTimeout?: number;
  heartbeatInterval?: number;
  keepAliveDelay?: number;
  closeTimeout?: number;
  flood?: FloodOptions;
  floodMaxBacklog?: number;
  commandBurst?: number;
  /** Slash commands a second per client; `false` (`--no-command-rate`) lifts the limit. */
  commandRate?: number | false;
  maxPendingMessages?: number;
  maxPendingBytes?: number;
  log?: LogFormat;
}

/** A section of `serve --help`. */
export type SettingGroup = 'listening' | 'chat' | 'cluster' | 'web' | 'irc' | 'limits' | 'output';

/** One setting: its flag, environment variable, how its value is read, and its help. */
export interface SettingSpec<V> {
  /** The flag, without its dashes: `max-clients`. */
  readonly flag: string;
  /** A one-letter alias of the flag. */
  readonly short?: string;
  /** What the value looks like in the help (`N`, `BYTES`); none for an on/off flag. */
  readonly placeholder?: string;
  /** Environment variables, the first winning: `BROADCAST_CHAT_MAX_CLIENTS`. */
  readonly env: readonly string[];
  readonly read: ValueReader<V>;
  readonly group: SettingGroup;
  /** One line of help. */
  readonly help: string;
  /** The default, as the help shows it. */
  readonly fallback?: string;
  /** A file name: relative ones in a config file are read from the file's directory. */
  readonly file?: boolean;
}

/** The environment variable of a setting: `max-clients` is `BROADCAST_CHAT_MAX_CLIENTS`. */
export function envName(flag: string): string {
  return `BROADCAST_CHAT_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function spec<V>(flag: string, group: SettingGroup, read: ValueReader<V>, help: string, extra: Partial<SettingSpec<V>> = {}): SettingSpec<V> {
  return { flag, group, read, help, env: [envName(flag)], ...extra };
}

/** `65536` as `64KiB`, for the help. */
export function formatBytes(value: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (value >= size && value % size === 0) return `${value / size}${unit}`;
  }
  return `${value}B`;
}

/** `3600000` as `1h`, for the help. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const on = onOff;
const portValue: ValueReader<number> = (raw) => port(typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : JSON.stringify(raw), 0, 'serve');
const webPortValue: ValueReader<number> = (raw, where) => {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,5}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(Number.isInteger(value) && value >= 0 && value <= 65_535)) throw invalid(raw, where, 'a port from 0 to 65535 (0 picks a free one)');
  return value;
};
const hostValue: ValueReader<string> = (raw, where) => {
  if (typeof raw !== 'string') throw invalid(raw, where, 'a host name or address');
  return host(raw, 'serve');
};
const roomValue: ValueReader<string> = (raw, where) => {
  const name = text(raw, where);
  const problem = roomProblem(name);
  if (problem !== undefined) throw new UsageError(`invalid ${where} '${name}': a room name ${problem}`, 'serve');
  return name;
};
const redisUrl: ValueReader<string> = (raw, where) => {
  const url = text(raw, where);
  if (!/^rediss?:\/\/./.test(url)) throw invalid(raw, where, 'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379');
  return url;
};

/** Every setting of `serve`, by config key, in the order of the help. */
export const SERVE_SETTINGS: { readonly [K in keyof ServeSettings]-?: SettingSpec<NonNullable<ServeSettings[K]>> } = {
  host: spec('host', 'listening', hostValue, 'address to listen on', { placeholder: 'HOST', env: ['BROADCAST_CHAT_HOST', 'HOST'], fallback: DEFAULT_HOST }),
  port: spec('port', 'listening', portValue, 'port to listen on; 0 picks a free one', { short: 'p', placeholder: 'PORT', env: ['BROADCAST_CHAT_PORT', 'PORT'], fallback: String(DEFAULT_PORT) }),
  tlsKey: spec('tls-key', 'listening', text, 'serve over TLS (1.2 or later) with this PEM private key...', { placeholder: 'FILE', file: true }),
  tlsCert: spec('tls-cert', 'listening', text, '...and this PEM certificate; both are needed', { placeholder: 'FILE', file: true }),
  handshakeTimeout: spec('handshake-timeout', 'listening', duration(false), 'time a TLS handshake may take', { placeholder: 'TIME', fallback: formatDuration(DEFAULT_HANDSHAKE_TIMEOUT_MS) }),
  framing: spec('framing', 'chat', oneOf(SERVE_FRAMINGS), 'auto (line or raw, per client), line, raw, length, json or mixed (json, line or raw, per client)', {
    short: 'f',
    placeholder: 'NAME',
    fallback: 'auto; mixed with --chat',
  }),
  chat: spec('chat', 'chat', on, 'chat mode: nicknames, rooms, /msg, /me, /who, /help..., senders shown as `alice: hi`', { fallback: 'off; on for json and mixed' }),
  room: spec('room', 'chat', roomValue, 'the room every client starts in (chat mode)', { placeholder: 'NAME', fallback: DEFAULT_ROOM }),
  motd: spec('motd', 'chat', text, 'message of the day, sent to each client when it arrives', { placeholder: 'TEXT' }),
  guestPrefix: spec('guest-prefix', 'chat', text, 'start of the names given on arrival: guest-1, guest-2... (chat mode)', { placeholder: 'NAME', fallback: 'guest' }),
  rawNotices: spec('raw-notices', 'chat', on, 'send joins, leaves and renames to raw clients too (chat mode)', { fallback: 'off' }),
  echo: spec('echo', 'chat', on, "send each client's messages back to it too", { fallback: 'off' }),
  operator: spec('operator', 'chat', operators, 'an operator account for /oper NAME PASSWORD (IRC OPER); HASH from broadcast-chat hash-password; repeat it or use commas (chat mode)', {
    placeholder: 'NAME=HASH',
  }),
  history: spec('history', 'chat', count(0), "keep each room's last N messages for those who join, /history and JSON clients' recovery; 0 is off (chat mode)", {
    placeholder: 'N',
    fallback: 'off',
  }),
  historyReplay: spec('history-replay', 'chat', count(0), 'messages a text client is replayed, marked (history), when it joins a room; 0 is none', {
    placeholder: 'N',
    fallback: `${DEFAULT_HISTORY_REPLAY}, at most --history`,
  }),
  redis: spec('redis', 'cluster', redisUrl, 'join the other serve processes on this Redis into one chat (needs ioredis)', { placeholder: 'URL' }),
  nats: spec('nats', 'cluster', text, 'the same through NATS with JetStream (needs nats); comma-separated servers', { placeholder: 'URL' }),
  prefix: spec('prefix', 'cluster', text, 'the name of the chat on the broker: servers with the same one are one chat', { placeholder: 'NAME', fallback: 'broadcast-chat' }),
  hubId: spec('hub-id', 'cluster', text, "this server's id in the cluster, unique among them", { placeholder: 'ID', fallback: 'random' }),
  metrics: spec('metrics', 'output', webPortValue, 'serve /metrics (Prometheus), /healthz and /readyz on this port; 0 picks a free one', { placeholder: 'PORT', fallback: 'off' }),
  web: spec('web', 'web', webPortValue, 'serve the chat page and its WebSocket on this port too (implies --chat); 0 picks a free one', { placeholder: 'PORT', fallback: 'off' }),
  webHost: spec('web-host', 'web', hostValue, 'address the chat page listens on', { placeholder: 'HOST', fallback: 'same as --host' }),
  webOrigin: spec('web-origin', 'web', origins, "let pages of ORIGIN connect instead of only the page's own: https://chat.example.com, or * for any page; repeat it or use commas", { placeholder: 'ORIGIN' }),
  irc: spec('irc', 'irc', webPortValue, 'let IRC clients in on this port too (implies --chat); over TLS with --tls-key and --tls-cert; 0 picks a free one', { placeholder: 'PORT', fallback: 'off' }),
  ircHost: spec('irc-host', 'irc', hostValue, 'address the IRC door listens on', { placeholder: 'HOST', fallback: 'same as --host' }),
  maxClients: spec('max-clients', 'limits', count(1), 'most clients at once; more are told the server is full', { placeholder: 'N', fallback: String(DEFAULT_MAX_CLIENTS) }),
  maxClientsPerAddress: spec('max-clients-per-address', 'limits', count(1), 'most clients at once from one IP address', { placeholder: 'N', fallback: String(DEFAULT_MAX_CLIENTS_PER_ADDRESS) }),
  maxMessageBytes: spec('max-message-bytes', 'limits', bytes(1), 'largest message a client may send', { placeholder: 'BYTES', fallback: formatBytes(DEFAULT_MAX_MESSAGE_BYTES) }),
  oversizedMessage: spec('oversized-message', 'limits', oneOf<OversizedMessagePolicy>(['drop', 'disconnect']), 'a larger one: drop it, or disconnect the client', { placeholder: 'POLICY', fallback: 'drop' }),
  invalidUtf8: spec('invalid-utf8', 'limits', oneOf(['replace', 'reject'] as const), 'invalid UTF-8 in text: replace it with U+FFFD, or reject the message', { placeholder: 'POLICY', fallback: 'replace' }),
  maxQueuedBytes: spec('max-queued-bytes', 'limits', bytes(1), 'most bytes waiting for one client (hard output cap)', { placeholder: 'BYTES', fallback: formatBytes(DEFAULT_MAX_QUEUED_BYTES) }),
  slowConsumerPolicy: spec('slow-consumer-policy', 'limits', oneOf<SlowConsumerPolicy>(['disconnect', 'drop']), 'a client past it: disconnect it, or drop what it is sent until it drains', {
    placeholder: 'POLICY',
    fallback: 'disconnect',
  }),
  softQueuedBytes: spec('soft-queued-bytes', 'limits', bytes(0), 'soft output cap: a client over it for --soft-queued-seconds is cut; 0 is off', { placeholder: 'BYTES', fallback: formatBytes(DEFAULT_SOFT_QUEUED_BYTES) }),
  softQueuedSeconds: spec('soft-queued-seconds', 'limits', seconds, 'how long a client may stay over the soft cap', { placeholder: 'SECONDS', fallback: String(DEFAULT_SOFT_QUEUED_TIMEOUT_MS / 1000) }),
  idleTimeout: spec('idle-timeout', 'limits', duration(true), 'cut a client that sends nothing for this long; 0 is off', { placeholder: 'TIME', fallback: formatDuration(DEFAULT_IDLE_TIMEOUT_MS) }),
  partialMessageTimeout: spec('partial-message-timeout', 'limits', duration(true), 'cut a client that leaves a message unfinished this long; 0 is off', { placeholder: 'TIME', fallback: formatDuration(DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS) }),
  heartbeatInterval: spec('heartbeat-interval', 'limits', duration(true), 'ping JSON, WebSocket and IRC clients this often; one silent until the next is cut; 0 is off', { placeholder: 'TIME', fallback: formatDuration(DEFAULT_HEARTBEAT_INTERVAL_MS) }),
  keepAliveDelay: spec('keep-alive-delay', 'limits', duration(true), 'silence before TCP keepalive probes start; 0 is off', { placeholder: 'TIME', fallback: formatDuration(DEFAULT_KEEPALIVE_DELAY_MS) }),
  closeTimeout: spec('close-timeout', 'limits', duration(false), 'time a closing client gets to take what is queued for it', { placeholder: 'TIME', fallback: formatDuration(DEFAULT_CLOSE_TIMEOUT_MS) }),
  flood: spec('flood', 'limits', flood, 'per client: a burst of B messages, then R a second; P is slow (hold back), drop or disconnect', { placeholder: 'B:R[:P]', fallback: 'off' }),
  floodMaxBacklog: spec('flood-max-backlog', 'limits', count(1), 'under the slow policy, most messages held back before the client is cut', { placeholder: 'N', fallback: String(DEFAULT_FLOOD_MAX_BACKLOG) }),
  commandBurst: spec('command-burst', 'limits', count(1), 'per client: slash commands at once, before --command-rate applies', { placeholder: 'N', fallback: String(DEFAULT_COMMAND_BURST) }),
  commandRate: spec('command-rate', 'limits', rate, 'then R commands a second; more are dropped, the client told once; --no-command-rate lifts it', { placeholder: 'R', fallback: String(DEFAULT_COMMAND_RATE) }),
  maxPendingMessages: spec('max-pending-messages', 'limits', count(1), "most of one client's messages waiting on a command before reading pauses", { placeholder: 'N', fallback: String(DEFAULT_MAX_PENDING_MESSAGES) }),
  maxPendingBytes: spec('max-pending-bytes', 'limits', bytes(1), 'the same in bytes', { placeholder: 'BYTES', fallback: formatBytes(DEFAULT_MAX_PENDING_BYTES) }),
  log: spec('log', 'output', oneOf<LogFormat>(['text', 'json']), 'text lines, or one JSON object per event on standard output', { placeholder: 'FORMAT', fallback: 'text' }),
};

/** The config keys, in help order. */
export const SETTING_KEYS = Object.keys(SERVE_SETTINGS) as (keyof ServeSettings)[];
