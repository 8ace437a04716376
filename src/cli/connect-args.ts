import { DEFAULT_PORT, nickProblem, roomProblem } from '../internals.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { readAddress } from './connect-address.js';
import { framing, host, parseFlags, port, readPem, UsageError, type InfoCommand } from './flags.js';

/** Where the client connects when given no address: this machine, on the documented server's port. */
export const DEFAULT_CONNECT_HOST = '127.0.0.1';

/** `connect`: chat with a hub from the terminal. */
export interface ConnectCommand {
  readonly command: 'connect';
  readonly host: string;
  readonly port: number;
  /** Connect to this Unix socket (`--socket PATH`) instead of `host` and `port`. */
  readonly path?: string | undefined;
  /** The text framing spoken, unless `json`. */
  readonly framing: TextFramingName;
  /** Speak the JSON protocol (`--json`) and show the chat it carries. */
  readonly json?: boolean | undefined;
  /** The nickname to take (`--nick`), and take again after a reconnection. */
  readonly nick?: string | undefined;
  /** The room to join and talk in (`--room`), and join again after a reconnection. */
  readonly room?: string | undefined;
  /** `false` with `--no-reconnect`: end when the connection is lost, as the documented client does. Reconnects otherwise. */
  readonly reconnect?: false | undefined;
  /** Connect over TLS (`--tls`), trusting the PEM CA read from `--ca` (or `--tls-ca`) if given, else the system's. */
  readonly tls?: { readonly ca?: Buffer } | undefined;
}

/**
 * Parses the arguments of `connect` (and of `examples/client.ts`): the server as `HOST`,
 * `HOST:PORT`, `[IPV6]:PORT` or `HOST PORT`, or with `--host`/`--port`, or `--socket PATH`;
 * then `--framing` or `--json`, `--nick`, `--room`, `--tls` and `--ca`, `--no-reconnect`.
 * Defaults to `127.0.0.1:8000`.
 */
export function parseConnectArgs(argv: readonly string[]): ConnectCommand | InfoCommand {
  const values = parseFlags(argv, 'connect', 2);
  if (values.help === true) return { command: 'help', topic: 'connect' };
  if (values.version === true) return { command: 'version' };
  if (values.flood !== undefined) throw new UsageError('--flood is an option of serve', 'connect');
  const typed = values.positionals.length === 0 ? { host: undefined, port: undefined } : readAddress(values.positionals);
  if (typed.host !== undefined && values.host !== undefined) throw new UsageError('give the host once: as an argument or with --host', 'connect');
  if (typed.port !== undefined && values.port !== undefined) throw new UsageError('give the port once: as an argument or with --port', 'connect');
  const hostText = typed.host ?? values.host;
  const portText = typed.port ?? values.port;
  const path = values.socket;
  if (path !== undefined) {
    if (path === '') throw new UsageError('the socket path cannot be empty', 'connect');
    if (hostText !== undefined || portText !== undefined) throw new UsageError('give a host and port or --socket, not both', 'connect');
  }
  if (values.json === true && values.framing !== undefined) throw new UsageError('--json is a framing of its own: give it or --framing, not both', 'connect');
  return {
    command: 'connect',
    host: host(hostText ?? DEFAULT_CONNECT_HOST, 'connect'),
    port: portText === undefined ? DEFAULT_PORT : port(portText, 1, 'connect'),
    path,
    framing: framing(values.framing, 'connect'),
    json: values.json,
    nick: name(values.nick, 'nickname', nickProblem),
    room: name(values.room, 'room', roomProblem),
    reconnect: values['no-reconnect'] === true ? false : undefined,
    tls: connectTls(values),
  };
}

function name(value: string | undefined, what: string, problem: (name: string) => string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const found = problem(value);
  if (found !== undefined) throw new UsageError(`invalid ${what} '${value}': it ${found}`, 'connect');
  return value;
}

function connectTls(values: { tls?: boolean | undefined; ca?: string | undefined; 'tls-ca'?: string | undefined; 'tls-key'?: string | undefined; 'tls-cert'?: string | undefined }): ConnectCommand['tls'] {
  if (values['tls-key'] !== undefined || values['tls-cert'] !== undefined) throw new UsageError('--tls-key and --tls-cert are options of serve', 'connect');
  if (values.ca !== undefined && values['tls-ca'] !== undefined) throw new UsageError('--tls-ca is another name for --ca: give one of them', 'connect');
  const flag = values.ca === undefined ? '--tls-ca' : '--ca';
  const caFile = values.ca ?? values['tls-ca'];
  // A CA alone implies --tls: it is only of use to a TLS connection.
  if (values.tls !== true && caFile === undefined) return undefined;
  return caFile === undefined ? {} : { ca: readPem(caFile, flag, 'connect') };
}
