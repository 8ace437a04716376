import {
  DEFAULT_COMMAND_BURST,
  DEFAULT_COMMAND_RATE,
  DEFAULT_FLOOD_MAX_BACKLOG,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_DELAY_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CLIENTS_PER_ADDRESS,
  DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS,
  DEFAULT_SOFT_QUEUED_BYTES,
  DEFAULT_SOFT_QUEUED_TIMEOUT_MS,
} from '../../defaults.js';

/**
 * What flood control does with a message over the limit: `slow` holds the sender's messages
 * back and stops reading from it until its bucket refills (IRC's fakelag; nothing is lost and
 * the order is kept), `drop` drops the message and tells the sender once per burst,
 * `disconnect` cuts the sender with reason `flood`.
 */
export type FloodPolicy = 'slow' | 'drop' | 'disconnect';

/** The flood policies, for checks and usage messages. */
export const FLOOD_POLICIES: readonly FloodPolicy[] = ['slow', 'drop', 'disconnect'];

/** Per-client flood control: a token bucket of `burst` messages refilled at `rate` per second. */
export interface FloodOptions {
  /** Messages a client may send at once. */
  burst: number;
  /** Messages per second a client may keep sending. */
  rate: number;
  /** What happens past the limit. Default `'slow'`. */
  policy?: FloodPolicy;
  /**
   * Under `slow`, the most messages held back for one client; past it the client is cut with
   * reason `flood` (IRC's "excess flood"). Default 1000.
   */
  maxBacklog?: number;
}

/**
 * The hub's connection, flood, output and liveness limits (part of `HubOptions`). Everything
 * that bounds memory or reaps dead connections is on by default; flood control is off until
 * the application asks, since it changes delivery timing. A timeout of `0` turns it off.
 */
export interface HubLimitOptions {
  /** Most clients connected at once; more are told `! server full` and closed. Default 10000. */
  maxClients?: number;
  /** Most clients connected at once from one IP address. Default 2500. */
  maxClientsPerAddress?: number;
  /** Per-client flood control. Default: off. */
  flood?: FloodOptions | false | undefined;
  /**
   * Per-client rate of slash commands (and the JSON envelopes that stand for them), which cost
   * the hub far more than their bytes: `burst` at once, then `rate` per second; more are dropped
   * and the client told once. Default 40 at once, then 4 per second; `false` turns it off.
   * Commands whose answer grows with the hub or that every room hears (`/who`, `/rooms`,
   * `/help`, `/history`, `/bans`, `/nick`, `/oper`) also spend an allowance of their own,
   * `expensive`: default 8 at once, then one every 2 seconds.
   */
  commandRate?: CommandRateOptions | false | undefined;
  /**
   * Soft output cap, in bytes: a client with more than this queued for `softQueuedTimeout`
   * is cut as a slow consumer (`maxQueuedBytes` is the hard cap, cut at once). Default 1 MiB; `0` turns it off.
   */
  softQueuedBytes?: number;
  /** Milliseconds a client may stay over `softQueuedBytes`. Default 10000. */
  softQueuedTimeout?: number;
  /** @deprecated The same in seconds, from before every duration was in ms: use `softQueuedTimeout`. */
  softQueuedSeconds?: number;
  /** Milliseconds without any input before a client is cut with reason `idle`. Default 3600000 (1 h); `0` turns it off. */
  idleTimeout?: number;
  /**
   * Milliseconds a client may stay in the middle of a message, completing none (a line without
   * its newline, or the rest of an oversized line being skipped), before it is cut with reason
   * `timeout`: the slowloris defence. Default 30000; `0` turns it off.
   */
  partialMessageTimeout?: number;
  /**
   * Milliseconds between pings to JSON clients (`{"type":"ping"}`); a client that has not
   * answered with a `pong` by the next one is cut with reason `heartbeat`. Text peers never
   * see pings. Default 30000; `0` turns it off.
   */
  heartbeatInterval?: number;
  /** Milliseconds of silence before TCP keepalive probes start on each client socket. Default 30000; `0` turns keepalive off. */
  keepAliveDelay?: number;
}

/**
 * `HubLimitOptions` checked, with defaults filled in.
 * @internal
 */
export interface ResolvedLimits {
  readonly maxClients: number;
  readonly maxClientsPerAddress: number;
  readonly flood: Required<FloodOptions> | undefined;
  readonly commandRate: ResolvedCommandRate | undefined;
  readonly softQueuedBytes: number;
  readonly softQueuedMs: number;
  readonly idleTimeout: number;
  readonly partialMessageTimeout: number;
  readonly heartbeatInterval: number;
  readonly keepAliveDelay: number;
}

/**
 * Checks the limit options and fills in the defaults; throws a `RangeError` for a value that
 * is not a number in range, as the other hub options do.
 * @internal
 */
export function resolveLimits(options: HubLimitOptions): ResolvedLimits {
  const flood = options.flood === undefined || options.flood === false ? undefined : resolveFlood(options.flood);
  return {
    maxClients: atLeastOne('maxClients', options.maxClients ?? DEFAULT_MAX_CLIENTS),
    maxClientsPerAddress: atLeastOne('maxClientsPerAddress', options.maxClientsPerAddress ?? DEFAULT_MAX_CLIENTS_PER_ADDRESS),
    flood,
    commandRate: options.commandRate === false ? undefined : resolveCommandRate(options.commandRate ?? { burst: DEFAULT_COMMAND_BURST, rate: DEFAULT_COMMAND_RATE }),
    softQueuedBytes: orZero('softQueuedBytes', options.softQueuedBytes ?? DEFAULT_SOFT_QUEUED_BYTES),
    softQueuedMs: softQueuedMs(options),
    idleTimeout: orZero('idleTimeout', options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS),
    partialMessageTimeout: orZero('partialMessageTimeout', options.partialMessageTimeout ?? DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS),
    heartbeatInterval: orZero('heartbeatInterval', options.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL_MS),
    keepAliveDelay: orZero('keepAliveDelay', options.keepAliveDelay ?? DEFAULT_KEEPALIVE_DELAY_MS),
  };
}

function resolveFlood(flood: FloodOptions): Required<FloodOptions> {
  const policy = flood.policy ?? 'slow';
  // Checked at run time too: JavaScript callers and configuration files are not type-checked.
  if (!FLOOD_POLICIES.includes(policy)) throw new RangeError(`flood.policy must be 'slow', 'drop' or 'disconnect', got ${policy}`);
  if (!(Number.isFinite(flood.rate) && flood.rate > 0)) throw new RangeError(`flood.rate must be a positive number, got ${flood.rate}`);
  return {
    burst: atLeastOne('flood.burst', flood.burst),
    rate: flood.rate,
    policy,
    maxBacklog: atLeastOne('flood.maxBacklog', flood.maxBacklog ?? DEFAULT_FLOOD_MAX_BACKLOG),
  };
}

function softQueuedMs(options: HubLimitOptions): number {
  // The deprecated name is still read, in seconds, for code written before every duration was in ms.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const seconds = options.softQueuedSeconds;
  if (options.softQueuedTimeout !== undefined && seconds !== undefined) throw new TypeError("give 'softQueuedTimeout' or 'softQueuedSeconds', not both");
  if (seconds !== undefined) return orZero('softQueuedSeconds', seconds) * 1000;
  return orZero('softQueuedTimeout', options.softQueuedTimeout ?? DEFAULT_SOFT_QUEUED_TIMEOUT_MS);
}

function resolveCommandRate(limit: CommandRateOptions): ResolvedCommandRate {
  if (!(Number.isFinite(limit.rate) && limit.rate > 0)) throw new RangeError(`commandRate.rate must be a positive number, got ${limit.rate}`);
  const expensive = limit.expensive ?? DEFAULT_EXPENSIVE_COMMAND_RATE;
  if (!(Number.isFinite(expensive.rate) && expensive.rate > 0)) throw new RangeError(`commandRate.expensive.rate must be a positive number, got ${expensive.rate}`);
  return {
    burst: atLeastOne('commandRate.burst', limit.burst),
    rate: limit.rate,
    expensive: { burst: atLeastOne('commandRate.expensive.burst', expensive.burst), rate: expensive.rate },
  };
}

/** The `commandRate` option: every command's allowance, and the expensive ones' own. */
export interface CommandRateOptions {
  burst: number;
  rate: number;
  /** The allowance of the expensive commands (`/who`, `/rooms`, `/help`, `/nick`...), spent on top of the shared one. */
  expensive?: { burst: number; rate: number } | undefined;
}

/** The `commandRate` option in force. @internal */
export interface ResolvedCommandRate {
  readonly burst: number;
  readonly rate: number;
  readonly expensive: { readonly burst: number; readonly rate: number };
}

/** Default allowance of the expensive commands: 8 at once, then one every 2 seconds. */
export const DEFAULT_EXPENSIVE_COMMAND_RATE = { burst: 8, rate: 0.5 } as const;

/** A count of at least one; `Infinity` means no limit. */
function atLeastOne(name: string, value: number): number {
  if (!(value >= 1)) throw new RangeError(`${name} must be at least 1, got ${value}`);
  return value;
}

/** A finite number, `0` meaning off. */
function orZero(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be 0 (off) or a positive number, got ${value}`);
  return value;
}
