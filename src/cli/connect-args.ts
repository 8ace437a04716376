import { DEFAULT_PORT } from '../defaults.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { framing, host, parseFlags, port, readPem, UsageError, type InfoCommand } from './flags.js';

/** Where the client connects when given no address: this machine, on the documented server's port. */
export const DEFAULT_CONNECT_HOST = '127.0.0.1';

/** `connect`: chat with a hub from the terminal. */
export interface ConnectCommand {
  readonly command: 'connect';
  readonly host: string;
  readonly port: number;
  readonly framing: TextFramingName;
  /** Connect over TLS (`--tls`), trusting the PEM CA read from `--tls-ca` if given, else the system's. */
  readonly tls?: { readonly ca?: Buffer } | undefined;
}

/**
 * Parses the arguments of `connect` (and of `examples/client.ts`): `[host] [port]` or
 * `--host`/`--port`, and `--framing`. Defaults to `127.0.0.1:8000`.
 */
export function parseConnectArgs(argv: readonly string[]): ConnectCommand | InfoCommand {
  const values = parseFlags(argv, 'connect', 2);
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

function connectTls(values: { tls?: boolean | undefined; 'tls-ca'?: string | undefined; 'tls-key'?: string | undefined; 'tls-cert'?: string | undefined }): ConnectCommand['tls'] {
  if (values['tls-key'] !== undefined || values['tls-cert'] !== undefined) throw new UsageError('--tls-key and --tls-cert are options of serve', 'connect');
  const caFile = values['tls-ca'];
  // --tls-ca alone implies --tls: a CA is only of use to a TLS connection.
  if (values.tls !== true && caFile === undefined) return undefined;
  return caFile === undefined ? {} : { ca: readPem(caFile, '--tls-ca', 'connect') };
}
