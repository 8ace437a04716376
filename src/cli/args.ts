import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { parseFloodSpec } from '../hub/limits/flood-spec.js';
import type { FloodOptions } from '../hub/limits/limit-options.js';

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
  /** Flood control from `--flood BURST:RATE[:POLICY]`; off when not given. */
  readonly flood?: FloodOptions | undefined;
  /** Serve over TLS: the PEM key and certificate read from `--tls-key` and `--tls-cert`. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer } | undefined;
}

/** `connect`: chat with a hub from the terminal. */
export interface ConnectCommand {
  readonly command: 'connect';
  readonly host: string;
  readonly port: number;
  readonly framing: TextFramingName;
  /** Connect over TLS (`--tls`), trusting the PEM CA read from `--tls-ca` if given, else the system's. */
  readonly tls?: { readonly ca?: Buffer } | undefined;
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
  flood: { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
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
    flood: values.flood === undefined ? undefined : flood(values.flood),
    tls: serveTls(values),
  };
}

/**
 * Parses the arguments of `connect` (and of `examples/client.ts`): `[host] [port]` or
 * `--host`/`--port`, and `--framing`. Defaults to `127.0.0.1:8000`.
 */
export function parseConnectArgs(argv: readonly string[]): ConnectCommand | InfoCommand {
  const values = parse(argv, 'connect', 2);
  if (values.help === true) return { command: 'help', topic: 'connect' };
  if (values.flood !== undefined) throw new UsageError('--flood is an option of serve', 'connect');
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
    tls: connectTls(values),
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

function serveTls(values: { tls?: boolean | undefined; 'tls-ca'?: string | undefined; 'tls-key'?: string | undefined; 'tls-cert'?: string | undefined }): ServeCommand['tls'] {
  if (values.tls !== undefined || values['tls-ca'] !== undefined) throw new UsageError('--tls and --tls-ca are options of connect; serve takes --tls-key and --tls-cert', 'serve');
  const keyFile = values['tls-key'];
  const certFile = values['tls-cert'];
  if (keyFile === undefined && certFile === undefined) return undefined;
  if (keyFile === undefined || certFile === undefined) throw new UsageError('--tls-key and --tls-cert go together', 'serve');
  return { key: readPem(keyFile, '--tls-key', 'serve'), cert: readPem(certFile, '--tls-cert', 'serve') };
}

function connectTls(values: { tls?: boolean | undefined; 'tls-ca'?: string | undefined; 'tls-key'?: string | undefined; 'tls-cert'?: string | undefined }): ConnectCommand['tls'] {
  if (values['tls-key'] !== undefined || values['tls-cert'] !== undefined) throw new UsageError('--tls-key and --tls-cert are options of serve', 'connect');
  const caFile = values['tls-ca'];
  // --tls-ca alone implies --tls: a CA is only of use to a TLS connection.
  if (values.tls !== true && caFile === undefined) return undefined;
  return caFile === undefined ? {} : { ca: readPem(caFile, '--tls-ca', 'connect') };
}

/** Reads a PEM file named on the command line; one that cannot be read is a usage error, told at once. */
function readPem(file: string, flag: string, topic: 'serve' | 'connect'): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, topic);
  }
}

function flood(value: string): FloodOptions {
  const parsed = parseFloodSpec(value);
  if (typeof parsed === 'string') throw new UsageError(parsed, 'serve');
  return parsed;
}

function framing(value: string | undefined, topic: 'serve' | 'connect'): TextFramingName {
  if (value === undefined) return 'auto';
  const found = CONSOLE_FRAMINGS.find((name) => name === value);
  if (found === undefined) throw new UsageError(`invalid framing '${value}': expected one of ${CONSOLE_FRAMINGS.join(', ')}`, topic);
  return found;
}
