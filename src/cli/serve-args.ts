import { DEFAULT_COMMAND_BURST, DEFAULT_COMMAND_RATE, DEFAULT_HOST, DEFAULT_PORT, type FloodOptions, type FramingName } from '../internals.js';
import { parseFlags, readPem, UsageError, type InfoCommand } from './flags.js';
import { readConfigFile } from './serve-config.js';
import { SERVE_FLAGS } from './serve-flags.js';
import { SERVE_SETTINGS, SETTING_KEYS, type ServeSettings } from './serve-settings.js';

/** The environment variable naming a config file, when `--config` is not given. */
export const CONFIG_ENV = 'BROADCAST_CHAT_CONFIG';

/** `serve`: run a hub with an operator console, with every setting checked and merged. */
export type ServeCommand = Readonly<Omit<ServeSettings, 'host' | 'port' | 'framing' | 'tlsKey' | 'tlsCert' | 'floodMaxBacklog' | 'commandBurst' | 'commandRate'>> & {
  readonly command: 'serve';
  readonly host: string;
  readonly port: number;
  readonly framing: FramingName;
  /** Flood control from `--flood BURST:RATE[:POLICY]` (and `--flood-max-backlog`); off when not given. */
  readonly flood?: FloodOptions | undefined;
  /** Serve over TLS: the PEM key and certificate read from `--tls-key` and `--tls-cert`. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer } | undefined;
  /** The hub's `commandRate`, from `--command-burst` and `--command-rate` (or `false`, `--no-command-rate`); the library's when not given. */
  readonly commandRate?: { readonly burst: number; readonly rate: number } | false | undefined;
};

type FlagValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** Flags `parseArgs` knows for both subcommands that `serve` takes. */
const SERVE_TAKES: ReadonlySet<string> = new Set(['help', 'version', 'host', 'port', 'framing', 'flood', 'tls-key', 'tls-cert', ...Object.keys(SERVE_FLAGS)]);

/**
 * Parses the options of `serve` (and of `examples/server.ts`). Each setting comes from its
 * flag, else its environment variable (`BROADCAST_CHAT_MAX_CLIENTS`; `HOST` and `PORT` too),
 * else the config file (`--config FILE` or `BROADCAST_CHAT_CONFIG`), else the library's
 * default; absent settings are left out, so that the library applies its own. Throws a
 * `UsageError` naming the flag, variable or key of a value that is wrong, and for settings
 * that cannot work together.
 */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServeCommand | InfoCommand {
  const values = parseFlags(argv, 'serve', 0) as FlagValues;
  if (values.help === true) return { command: 'help', topic: 'serve' };
  if (values.version === true) return { command: 'version' };
  refuseConnectFlags(values);
  const configFile = typeof values.config === 'string' ? values.config : nonEmpty(env[CONFIG_ENV]);
  const fromFile = configFile === undefined ? {} : readConfigFile(configFile);
  const settings: Record<string, unknown> = {};
  const where: Partial<Record<keyof ServeSettings, string>> = {};
  for (const key of SETTING_KEYS) {
    const found = fromFlag(key, values) ?? fromEnv(key, env) ?? (fromFile[key] === undefined ? undefined : { value: fromFile[key], where: `${key} in ${configFile ?? ''}` });
    if (found === undefined) continue;
    settings[key] = found.value;
    where[key] = found.where;
  }
  return checkedCommand(settings, where);
}

function refuseConnectFlags(values: FlagValues): void {
  if (values.tls !== undefined || values['tls-ca'] !== undefined) throw new UsageError('--tls and --tls-ca are options of connect; serve takes --tls-key and --tls-cert', 'serve');
  const foreign = Object.keys(values).find((name) => name !== 'positionals' && !SERVE_TAKES.has(name));
  if (foreign !== undefined) throw new UsageError(`--${foreign} is an option of connect`, 'serve');
}

interface Found {
  readonly value: unknown;
  readonly where: string;
}

function fromFlag(key: keyof ServeSettings, values: FlagValues): Found | undefined {
  const { flag, read } = SERVE_SETTINGS[key];
  const given = values[flag];
  const negated = values[`no-${flag}`];
  if (given !== undefined && negated !== undefined) throw new UsageError(`give --${flag} or --no-${flag}, not both`, 'serve');
  if (negated === true) return { value: false, where: `--no-${flag}` };
  if (given === undefined) return undefined;
  return { value: read(given, `--${flag}`), where: `--${flag}` };
}

function fromEnv(key: keyof ServeSettings, env: NodeJS.ProcessEnv): Found | undefined {
  const setting = SERVE_SETTINGS[key];
  for (const name of setting.env) {
    const raw = nonEmpty(env[name]);
    if (raw !== undefined) return { value: setting.read(raw, name), where: name };
  }
  return undefined;
}

/** An environment variable set to nothing counts as not set, as compose files leave them. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Refuses settings that cannot work together, and puts the rest in the shape `startServeConsole` takes. */
function checkedCommand(settings: ServeSettings, where: Partial<Record<keyof ServeSettings, string>>): ServeCommand {
  const named = (key: keyof ServeSettings): string => where[key] ?? `--${SERVE_SETTINGS[key].flag}`;
  const { host = DEFAULT_HOST, port = DEFAULT_PORT, tlsKey, tlsCert, floodMaxBacklog, commandBurst, commandRate, ...rest } = settings;
  // The chat page's users speak the JSON envelopes of chat mode, IRC users its rooms and
  // nicknames: --web and --irc are a chat unless told otherwise, which they cannot be.
  const door = settings.web !== undefined ? 'web' : settings.irc !== undefined ? 'irc' : undefined;
  if (door !== undefined && settings.chat === false) throw new UsageError(`${named(door)} serves a chat: it cannot run with ${named('chat')}`, 'serve');
  const framing = settings.framing ?? (settings.chat === true || door !== undefined ? 'mixed' : 'auto');
  const structured = framing === 'json' || framing === 'mixed';
  if ((settings.chat === true || door !== undefined) && framing === 'length') throw new UsageError(`${named(settings.chat === true ? 'chat' : (door ?? 'chat'))} needs a text framing: length carries bytes, not chat lines`, 'serve');
  if (settings.chat === false && structured) throw new UsageError(`the ${framing} framing is a chat protocol: it cannot run with ${named('chat')}`, 'serve');
  const chat = settings.chat ?? (structured || door !== undefined);
  for (const key of ['webHost', 'webOrigin'] as const) {
    if (settings[key] !== undefined && settings.web === undefined) throw new UsageError(`${named(key)} is for the chat page: add --web PORT`, 'serve');
  }
  if (settings.ircHost !== undefined && settings.irc === undefined) throw new UsageError(`${named('ircHost')} is for IRC clients: add --irc PORT`, 'serve');
  for (const key of ['room', 'guestPrefix', 'rawNotices', 'operator'] as const) {
    if (settings[key] !== undefined && !chat) throw new UsageError(`${named(key)} only applies in chat mode: add --chat`, 'serve');
  }
  checkHistory(settings, chat, named);
  if (settings.redis !== undefined && settings.nats !== undefined) throw new UsageError(`give ${named('redis')} or ${named('nats')}, not both`, 'serve');
  for (const key of ['prefix', 'hubId'] as const) {
    if (settings[key] !== undefined && settings.redis === undefined && settings.nats === undefined) {
      throw new UsageError(`${named(key)} is for a chat on a broker: add --redis URL or --nats URL`, 'serve');
    }
  }
  if ((tlsKey === undefined) !== (tlsCert === undefined)) throw new UsageError('--tls-key and --tls-cert go together', 'serve');
  if (settings.handshakeTimeout !== undefined && tlsKey === undefined) throw new UsageError(`${named('handshakeTimeout')} only applies to TLS: add --tls-key and --tls-cert`, 'serve');
  const command: Record<string, unknown> = { command: 'serve', host, port, framing };
  // History of 0 messages is no history: left out, as when not given.
  for (const [key, value] of Object.entries(rest)) if (key !== 'framing' && !(key === 'history' && value === 0)) command[key] = value;
  if (door !== undefined && settings.chat === undefined) command.chat = true;
  const commands = commandLimit(commandBurst, commandRate, named);
  if (commands !== undefined) command.commandRate = commands;
  const flood = floodWithBacklog(settings.flood, floodMaxBacklog, named);
  if (flood !== undefined) command.flood = flood;
  if (tlsKey !== undefined && tlsCert !== undefined) command.tls = { key: readPem(tlsKey, named('tlsKey'), 'serve'), cert: readPem(tlsCert, named('tlsCert'), 'serve') };
  return command as ServeCommand;
}

/** Refuses history where the hub keeps none: outside chat mode, and a replay with nothing to replay from. */
function checkHistory(settings: ServeSettings, chat: boolean, named: (key: keyof ServeSettings) => string): void {
  const kept = settings.history ?? 0;
  if (kept > 0 && !chat) throw new UsageError(`${named('history')} only applies in chat mode: add --chat`, 'serve');
  const replay = settings.historyReplay;
  if (replay === undefined) return;
  if (kept === 0) throw new UsageError(`${named('historyReplay')} replays the history: add --history N`, 'serve');
  if (replay > kept) throw new UsageError(`${named('historyReplay')} ${replay} is more than the ${kept} messages ${named('history')} keeps`, 'serve');
}

/** `commandRate` from its two settings: what is given, the library's default for the other. */
function commandLimit(burst: number | undefined, rate: number | false | undefined, named: (key: keyof ServeSettings) => string): ServeCommand['commandRate'] {
  if (rate === false) {
    if (burst !== undefined) throw new UsageError(`give ${named('commandBurst')} or ${named('commandRate')}, not both`, 'serve');
    return false;
  }
  if (burst === undefined && rate === undefined) return undefined;
  return { burst: burst ?? DEFAULT_COMMAND_BURST, rate: rate ?? DEFAULT_COMMAND_RATE };
}

function floodWithBacklog(flood: FloodOptions | undefined, maxBacklog: number | undefined, named: (key: keyof ServeSettings) => string): FloodOptions | undefined {
  if (maxBacklog === undefined) return flood;
  if (flood === undefined) throw new UsageError(`${named('floodMaxBacklog')} needs --flood`, 'serve');
  if ((flood.policy ?? 'slow') !== 'slow') throw new UsageError(`${named('floodMaxBacklog')} only applies to the slow flood policy, not ${flood.policy ?? ''}`, 'serve');
  return { ...flood, maxBacklog };
}
