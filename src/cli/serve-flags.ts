/**
 * The flags of `serve` beyond those every subcommand knows (`--host`, `--port`, `--framing`,
 * `--flood`, `--tls-key`, `--tls-cert`), as `parseArgs` reads them. What each one sets, its
 * environment variable and config key are in serve-settings.ts.
 */
export const SERVE_FLAGS = {
  config: { type: 'string' },
  log: { type: 'string' },
  chat: { type: 'boolean' },
  'no-chat': { type: 'boolean' },
  room: { type: 'string' },
  motd: { type: 'string' },
  'guest-prefix': { type: 'string' },
  'raw-notices': { type: 'boolean' },
  'no-raw-notices': { type: 'boolean' },
  echo: { type: 'boolean' },
  'no-echo': { type: 'boolean' },
  operator: { type: 'string', multiple: true },
  history: { type: 'string' },
  'history-replay': { type: 'string' },
  redis: { type: 'string' },
  nats: { type: 'string' },
  prefix: { type: 'string' },
  'hub-id': { type: 'string' },
  metrics: { type: 'string' },
  web: { type: 'string' },
  'web-host': { type: 'string' },
  'web-origin': { type: 'string', multiple: true },
  irc: { type: 'string' },
  'irc-host': { type: 'string' },
  'max-clients': { type: 'string' },
  'max-clients-per-address': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'oversized-message': { type: 'string' },
  'invalid-utf8': { type: 'string' },
  'max-queued-bytes': { type: 'string' },
  'slow-consumer-policy': { type: 'string' },
  'soft-queued-bytes': { type: 'string' },
  'soft-queued-seconds': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'partial-message-timeout': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'keep-alive-delay': { type: 'string' },
  'close-timeout': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'flood-max-backlog': { type: 'string' },
  'command-burst': { type: 'string' },
  'command-rate': { type: 'string' },
  'no-command-rate': { type: 'boolean' },
  'max-pending-messages': { type: 'string' },
  'max-pending-bytes': { type: 'string' },
} as const;

/** A flag of `SERVE_FLAGS`. */
export type ServeFlag = keyof typeof SERVE_FLAGS;

/** Serve flags that `connect` has a flag of the same name for, so they are not refused there. */
const SHARED_WITH_CONNECT: ReadonlySet<string> = new Set(['room']);

/** Whether `name` is a flag of `serve` alone, to be named as such when given to `connect`. */
export function isServeOnlyFlag(name: string): boolean {
  return Object.hasOwn(SERVE_FLAGS, name) && !SHARED_WITH_CONNECT.has(name);
}
