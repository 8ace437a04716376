import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';
import { parseFloodSpec } from '../hub/limits/flood-spec.js';
import type { FloodOptions } from '../hub/limits/limit-options.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { framing, host, parseFlags, port, readPem, UsageError, type InfoCommand } from './flags.js';

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

/**
 * Parses the options of `serve` (and of `examples/server.ts`): `--host`, `--port`,
 * `--framing`, falling back on the `HOST` and `PORT` environment variables, then on the
 * documented `0.0.0.0:8000`.
 */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServeCommand | InfoCommand {
  const values = parseFlags(argv, 'serve', 0);
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

function serveTls(values: { tls?: boolean | undefined; 'tls-ca'?: string | undefined; 'tls-key'?: string | undefined; 'tls-cert'?: string | undefined }): ServeCommand['tls'] {
  if (values.tls !== undefined || values['tls-ca'] !== undefined) throw new UsageError('--tls and --tls-ca are options of connect; serve takes --tls-key and --tls-cert', 'serve');
  const keyFile = values['tls-key'];
  const certFile = values['tls-cert'];
  if (keyFile === undefined && certFile === undefined) return undefined;
  if (keyFile === undefined || certFile === undefined) throw new UsageError('--tls-key and --tls-cert go together', 'serve');
  return { key: readPem(keyFile, '--tls-key', 'serve'), cert: readPem(certFile, '--tls-cert', 'serve') };
}

function flood(value: string): FloodOptions {
  const parsed = parseFloodSpec(value);
  if (typeof parsed === 'string') throw new UsageError(parsed, 'serve');
  return parsed;
}
