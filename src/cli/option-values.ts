import type { FloodOptions, FloodPolicy } from '../internals.js';
import { isOperatorHash } from '../internals.js';
import { UsageError } from './flags.js';

/**
 * Reads one setting's value, from a flag or an environment variable (always text) or a config
 * file (JSON: a number, a boolean or text). `where` names the source in the error, such as
 * `--max-clients`, `BROADCAST_CHAT_MAX_CLIENTS` or `maxClients in chat.json`.
 */
export type ValueReader<V> = (raw: unknown, where: string) => V;

/** A value that cannot be used: a `UsageError` saying where it came from and what was expected. */
export function invalid(raw: unknown, where: string, expected: string): UsageError {
  const shown = typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
  return new UsageError(`invalid ${where} ${shown}: expected ${expected}`, 'serve');
}

/** A whole number of at least `min` (a count of clients or messages). */
export function count(min: number): ValueReader<number> {
  return (raw, where) => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) throw invalid(raw, where, `a whole number, at least ${min}`);
    return value;
  };
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** A size in bytes: `65536`, `64k`, `64KiB`, `4m`, `1.5MiB` (K, M and G are powers of 1024); at least `min`. */
export function bytes(min: number): ValueReader<number> {
  return (raw, where) => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? scaled(raw, BYTE_UNITS) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      throw invalid(raw, where, `a size in bytes${min > 0 ? `, at least ${min}` : ' (0 turns it off)'}, such as 65536, 64k or 4m`);
    }
    return value;
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds, as the library takes it: `30000`, or with a unit, `30s`, `5m`,
 * `1h`, `250ms`. With `zeroTurnsOff`, `0` is accepted (the limit is off); otherwise it must be positive.
 */
export function duration(zeroTurnsOff: boolean): ValueReader<number> {
  return (raw, where) => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? scaled(raw, DURATION_UNITS) : Number.NaN;
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !zeroTurnsOff) || value > 2 ** 31 - 1) {
      throw invalid(raw, where, `milliseconds${zeroTurnsOff ? ' (0 turns it off)' : ', above 0'}, or a duration such as 30s, 5m or 1h`);
    }
    return Math.round(value);
  };
}

/** A number of seconds, 0 or more (`softQueuedSeconds`). */
export const seconds: ValueReader<number> = (raw, where) => {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? scaled(raw, { '': 1, s: 1 }) : Number.NaN;
  if (!Number.isFinite(value) || value < 0) throw invalid(raw, where, 'a number of seconds, 0 or more');
  return value;
};

/** A rate: a number above 0 (`4`, `0.5`), per second; or `false` (`off` in the environment) for no limit at all. */
export const rate: ValueReader<number | false> = (raw, where) => {
  if (raw === false || (typeof raw === 'string' && FALSE_WORDS.has(raw.trim().toLowerCase()) && raw.trim() !== '0')) return false;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(?:\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0) throw invalid(raw, where, 'a number a second, above 0 (such as 4 or 0.5), or off');
  return value;
};

/**
 * Origins of pages (`https://chat.example.com`), each written as browsers send it, from a
 * repeated flag, a comma-separated list, or a JSON array; or `*`, alone, for any page.
 */
export const origins: ValueReader<readonly string[]> = (raw, where) => {
  const parts = (Array.isArray(raw) ? (raw as unknown[]) : [raw]).flatMap((part) => (typeof part === 'string' ? part.split(',') : [part]));
  const found: string[] = [];
  for (const part of parts) {
    const entry = typeof part === 'string' ? part.trim() : part;
    if (entry === '') continue;
    const origin = entry === '*' ? '*' : typeof entry === 'string' ? originOf(entry) : undefined;
    if (origin === undefined) throw invalid(entry, where, 'an origin such as https://chat.example.com (scheme, host and port, no path), or *');
    if (!found.includes(origin)) found.push(origin);
  }
  if (found.length === 0) throw invalid(Array.isArray(raw) ? raw.join(',') : raw, where, 'an origin such as https://chat.example.com, or *');
  if (found.includes('*') && found.length > 1) throw new UsageError(`${where}: * lets every page connect, so it goes alone`, 'serve');
  return found;
};

/** `https://Chat.Example.com:443/` as browsers send it (`https://chat.example.com`); `undefined` for anything that is not an http(s) origin. */
function originOf(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return undefined;
  return url.origin;
}

/** An operator account's name: one word, as `/oper NAME PASSWORD` and IRC's `OPER` take it. */
const OPERATOR_NAME = /^[^\s=,]{1,64}$/;

/**
 * Operator accounts, `NAME=HASH` (the HASH from `broadcast-chat hash-password`): from a
 * repeated flag, a comma-separated list, a JSON array of them, or in a config file the
 * library's own object, `{ "ada": "scrypt$..." }`. A value that is not a hash is refused
 * without being shown: it may be a password typed where its hash belongs.
 */
export const operators: ValueReader<Readonly<Record<string, string>>> = (raw, where) => {
  const pairs: [unknown, unknown][] = [];
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) pairs.push(...Object.entries(raw));
  else {
    for (const part of (Array.isArray(raw) ? (raw as unknown[]) : [raw]).flatMap((item) => (typeof item === 'string' ? item.split(',') : [item]))) {
      if (typeof part === 'string' && part.trim() === '') continue;
      const at = typeof part === 'string' ? part.indexOf('=') : -1;
      if (typeof part !== 'string' || at < 1) throw new UsageError(`invalid ${where}: expected NAME=HASH, with the HASH from broadcast-chat hash-password`, 'serve');
      pairs.push([part.slice(0, at).trim(), part.slice(at + 1).trim()]);
    }
  }
  const accounts: Record<string, string> = {};
  for (const [name, hash] of pairs) {
    if (typeof name !== 'string' || !OPERATOR_NAME.test(name)) throw new UsageError(`invalid ${where}: operator name ${JSON.stringify(name)} must be one word (no spaces, '=' or ',')`, 'serve');
    if (Object.hasOwn(accounts, name)) throw new UsageError(`${where} names the operator ${name} twice`, 'serve');
    if (typeof hash !== 'string' || !isOperatorHash(hash)) {
      throw new UsageError(`invalid ${where} for ${name}: the value after ${name}= is not a hash from broadcast-chat hash-password (give the hash, never the password)`, 'serve');
    }
    accounts[name] = hash;
  }
  if (Object.keys(accounts).length === 0) throw new UsageError(`invalid ${where}: expected NAME=HASH, with the HASH from broadcast-chat hash-password`, 'serve');
  return accounts;
};

/** One of `choices`. */
export function oneOf<C extends string>(choices: readonly C[]): ValueReader<C> {
  return (raw, where) => {
    const found = choices.find((choice) => choice === raw);
    if (found === undefined) throw invalid(raw, where, `one of ${choices.join(', ')}`);
    return found;
  };
}

/** Text that is not blank. */
export const text: ValueReader<string> = (raw, where) => {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid(raw, where, 'some text');
  return raw;
};

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** On or off: `true`/`false` in a config file, `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off` in the environment. */
export const onOff: ValueReader<boolean> = (raw, where) => {
  if (typeof raw === 'boolean') return raw;
  const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return true;
  if (word !== undefined && FALSE_WORDS.has(word)) return false;
  throw invalid(raw, where, 'true or false (or 1 or 0)');
};

/** The flood policies, as `FloodOptions.policy` takes them. */
export const FLOOD_POLICY_NAMES: readonly FloodPolicy[] = ['slow', 'drop', 'disconnect'];

/**
 * Flood control: `BURST:RATE[:POLICY]` (`5:2`, `10:0.5:drop`), or in a config file the
 * library's own object, `{ "burst": 5, "rate": 2, "policy": "drop" }`.
 */
export const flood: ValueReader<FloodOptions> = (raw, where) => {
  const expected = 'BURST:RATE[:POLICY], such as 5:2 or 5:2:drop (BURST a whole number, at least 1; RATE messages per second, above 0)';
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return floodObject(raw as Record<string, unknown>, where);
  const match = typeof raw === 'string' ? /^(\d+):(\d+(?:\.\d+)?)(?::([a-z]+))?$/.exec(raw.trim()) : null;
  if (match === null) throw invalid(raw, where, expected);
  const burst = Number(match[1]);
  const rate = Number(match[2]);
  if (!(burst >= 1) || !(rate > 0)) throw invalid(raw, where, expected);
  if (match[3] === undefined) return { burst, rate };
  return { burst, rate, policy: oneOf(FLOOD_POLICY_NAMES)(match[3], `policy in ${where}`) };
};

function floodObject(raw: Record<string, unknown>, where: string): FloodOptions {
  for (const key of Object.keys(raw)) {
    if (!['burst', 'rate', 'policy', 'maxBacklog'].includes(key)) throw new UsageError(`unknown key '${key}' in ${where}: expected burst, rate, policy, maxBacklog`, 'serve');
  }
  const burst = count(1)(raw.burst, `burst in ${where}`);
  const rate = raw.rate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) throw invalid(rate, `rate in ${where}`, 'messages per second, above 0');
  const options: FloodOptions = { burst, rate };
  if (raw.policy !== undefined) options.policy = oneOf(FLOOD_POLICY_NAMES)(raw.policy, `policy in ${where}`);
  if (raw.maxBacklog !== undefined) options.maxBacklog = count(1)(raw.maxBacklog, `maxBacklog in ${where}`);
  return options;
}

/** `1.5m` with `units` `{ m: 60000 }` is 90000; `NaN` for anything else. */
function scaled(raw: string, units: Readonly<Record<string, number>>): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  if (match === null) return Number.NaN;
  const unit = units[(match[2] ?? '').toLowerCase()];
  return unit === undefined ? Number.NaN : Number(match[1]) * unit;
}
