/** The `moderation` option of `new BroadcastHub()`. */
export interface ModerationOptions {
  /**
   * Operator accounts for `/oper NAME PASSWORD` (IRC `OPER`, a JSON `oper` envelope): each name
   * with a hash made by `hashOperatorPassword()`, never the password itself. Default: none (then
   * operators come only from `authenticate` or `hub.moderation.setOperator()`).
   */
  operators?: Readonly<Record<string, string>>;
  /** Most bans in one list (the hub's, or one room's). Default 500. */
  maxBans?: number;
  /**
   * How often an address may try an operator password: `burst` at once, then `rate` a second.
   * Default `{ burst: 3, rate: 0.05 }` (then one every 20 s).
   */
  operRate?: { burst: number; rate: number };
}

/** Default of `moderation.maxBans`. */
export const DEFAULT_MAX_BANS = 500;
/** Default of `moderation.operRate`. */
export const DEFAULT_OPER_RATE = { burst: 3, rate: 0.05 } as const;

/** The options in force. @internal */
export interface ResolvedModeration {
  readonly operators: ReadonlyMap<string, string>;
  readonly maxBans: number;
  readonly operRate: { readonly burst: number; readonly rate: number };
}

/** Checks the option and fills in the defaults; throws a `TypeError` or `RangeError` for a bad one. @internal */
export function resolveModeration(options: ModerationOptions | undefined): ResolvedModeration {
  const operators = new Map<string, string>();
  for (const [name, hash] of Object.entries(options?.operators ?? {})) {
    if (typeof hash !== 'string' || !hash.startsWith('scrypt$')) throw new TypeError(`moderation.operators.${name} must be a hash from hashOperatorPassword(), not a password`);
    operators.set(name, hash);
  }
  const maxBans = options?.maxBans ?? DEFAULT_MAX_BANS;
  if (!Number.isInteger(maxBans) || maxBans < 1) throw new RangeError(`moderation.maxBans must be a whole number from 1, got ${maxBans}`);
  const operRate = options?.operRate ?? DEFAULT_OPER_RATE;
  if (!(operRate.burst >= 1) || !(operRate.rate > 0)) throw new RangeError('moderation.operRate needs burst >= 1 and rate > 0');
  return { operators, maxBans, operRate };
}
