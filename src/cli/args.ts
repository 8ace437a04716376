import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';
import type { TextFramingName } from '../framing/builtin-codecs.js';

/** The framings a console speaks: text ones, since what it reads and prints is text. */
export const CONSOLE_FRAMINGS: readonly TextFramingName[] = ['auto', 'line', 'raw'];

/** Where the client connects when given no address: this machine, on the documented server's port. */
export const DEFAULT_CONNECT_HOST = '127.0.0.1';

/** `serve`: run a hub with an operator console. */
export interface ServeCommand {
  readonly command: 'serve';
  readonly host: string;
  readonly port: number;
  readonly framing: TextFramingName;
}

/** `connect`: chat with a hub from the terminal. */
export interface ConnectCommand {
  readonly command: 'connect';
  readonly host: string;
  readonly port: number;
  readonly framing: TextFramingName;
}

/** `--help` (for the whole CLI, or one subcommand) or `--version`. */
export interface InfoCommand {
  readonly command: 'help' | 'version';
  readonly topic?: 'serve' | 'connect';
}

/** What the command line asks for. */
export type CliCommand = ServeCommand | ConnectCommand | InfoCommand;

/** A command line that cannot be run; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  /** The subcommand whose usage should be shown, if known. */
  readonly topic: 'serve' | 'connect' | undefined;

  constructor(message: string, topic?: 'serve' | 'connect') {
    super(message);
    this.name = 'UsageError';
    this.topic = topic;
  }
}

const common = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  framing: { type: 'string', short: 'f' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/**
 * Parses `broadcast-chat <serve|connect> [options]`. Throws a `UsageError` for an unknown
 * subcommand or flag, a missing value, or a bad port or framing.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  const [first, ...rest] = argv;
  if (first === 'serve') return parseServeArgs(rest, env);
  if (first === 'connect') return parseConnectArgs(rest);
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-v') return { command: 'version' };
  if (first === undefined) throw new UsageError('missing command');
  throw new UsageError(`unknown command '${first}'`);
}

/**
 * Parses the options of `serve` (and of `examples/server.ts`): `--host`, `--port`,
 * `--framing`, falling back on the `HOST` and `PORT` environment variables, then on the
 * documented `0.0.0.0:8000`.
 */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServeCommand | InfoCommand {
  const values = parse(argv, 'serve', 0);
  if (values.help === true) return { command: 'help', topic: 'serve' };
  if (values.version === true) return { command: 'version' };
  const portText = values.port ?? env.PORT;
  return {
    command: 'serve',
    host: host(values.host ?? env.HOST ?? DEFAULT_HOST, 'serve'),
    port: portText === undefined ? DEFAULT_PORT : port(portText, 0, 'serve'),
    framing: framing(values.framing, 'serve'),
  };
}

/**
 * Parses the arguments of `connect` (and of `examples/client.ts`): `[host] [port]` or
 * `--host`/`--port`, and `--framing`. Defaults to `127.0.0.1:8000`.
 */
export function parseConnectArgs(argv: readonly string[]): ConnectCommand | InfoCommand {
  const values = parse(argv, 'connect', 2);
  if (values.help === true) return { command: 'help', topic: 'connect' };
  if (values.version === true) return { command: 'version' };
  const [hostArg, portArg] = values.positionals;
  if (hostArg !== undefined && values.host !== undefined) throw new UsageError('give the host once: as an argument or with --host', 'connect');
  if (portArg !== undefined && values.port !== undefined) throw new UsageError('give the port once: as an argument or with --port', 'connect');
  const portText = portArg ?? values.port;
  return {
    command: 'connect',
    host: host(hostArg ?? values.host ?? DEFAULT_CONNECT_HOST, 'connect'),
    port: portText === undefined ? DEFAULT_PORT : port(portText, 1, 'connect'),
    framing: framing(values.framing, 'connect'),
  };
}

function parse(argv: readonly string[], topic: 'serve' | 'connect', maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: common, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains well (unknown option, missing value) but suggests '--' escapes that do not apply here.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    throw new UsageError(message, topic);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals] ?? ''}'`, topic);
  }
  return { ...parsed.values, positionals: parsed.positionals };
}

function host(value: string, topic: 'serve' | 'connect'): string {
  if (value.trim() === '') throw new UsageError('the host cannot be empty', topic);
  return value;
}

function port(text: string, min: number, topic: 'serve' | 'connect'): number {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= 65_535)) {
    throw new UsageError(`invalid port '${text}': expected a number from ${min} to 65535`, topic);
  }
  return value;
}

function framing(value: string | undefined, topic: 'serve' | 'connect'): TextFramingName {
  if (value === undefined) return 'auto';
  const found = CONSOLE_FRAMINGS.find((name) => name === value);
  if (found === undefined) throw new UsageError(`invalid framing '${value}': expected one of ${CONSOLE_FRAMINGS.join(', ')}`, topic);
  return found;
}
