import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt's cost parameters for new hashes: N=2^14, r=8, p=1 (16 MiB, tens of ms). */
const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Most memory a stored hash may make scrypt use: a hash is configuration, but a typo must not take the hub down. */
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { ...options, maxmem: MAX_MEMORY }, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

/**
 * Hashes an operator password for the hub's `moderation.operators` option:
 * `scrypt$16384$8$1$<salt>$<key>` (base64url), with a fresh random salt. Run it once, where
 * the password is known, and put only the hash in the configuration:
 * `node -e "import('broadcast-chat').then(async (m) => console.log(await m.hashOperatorPassword('s3cret')))"`.
 */
export async function hashOperatorPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password === '') throw new TypeError('an operator password must be a non-empty string');
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A stored hash, read; `undefined` when it is not one `hashOperatorPassword` makes. */
interface ParsedHash {
  readonly options: ScryptOptions;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Reads a stored hash; `undefined` when it is malformed. */
export function parseOperatorHash(hash: string): ParsedHash | undefined {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((value) => Number.isSafeInteger(value) && value > 0) || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEMORY) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { options: { N, r, p }, salt, key };
}

/** The shape of a hash as written: `scrypt$N$r$p$salt$key`, numbers in digits, salt and key in base64url. */
const HASH_SHAPE = /^scrypt\$\d{1,10}\$\d{1,10}\$\d{1,10}\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

/**
 * Whether `hash` is one `verifyOperatorPassword` can match: the shape `hashOperatorPassword()`
 * gives, with costs the hub accepts. A malformed hash matches no password, so an account
 * configured with a typo would be refused to everyone, silently: check it where it is read.
 */
export function isOperatorHash(hash: string): boolean {
  return typeof hash === 'string' && HASH_SHAPE.test(hash) && parseOperatorHash(hash) !== undefined;
}

/**
 * Whether `password` is the one `hash` was made from. The comparison takes the same time
 * wherever the keys differ (`timingSafeEqual`); a malformed hash matches nothing.
 */
export async function verifyOperatorPassword(hash: string, password: string): Promise<boolean> {
  const parsed = parseOperatorHash(hash);
  if (parsed === undefined) return false;
  const key = await derive(password, parsed.salt, parsed.options);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
