/**
 * The flags of `connect` beyond those every subcommand knows (`--host`, `--port`,
 * `--framing`, `--tls`, `--tls-ca`), as `parseArgs` reads them. `--room` is one too, but
 * serve has a flag of that name (see serve-flags.ts), so it is declared there.
 */
export const CONNECT_FLAGS = {
  nick: { type: 'string' },
  json: { type: 'boolean' },
  ca: { type: 'string' },
  socket: { type: 'string' },
  'no-reconnect': { type: 'boolean' },
} as const;

/** Whether `name` is a flag of `connect` alone, to be named as such when given to `serve`. */
export function isConnectOnlyFlag(name: string): boolean {
  return Object.hasOwn(CONNECT_FLAGS, name) || name === 'tls' || name === 'tls-ca';
}
