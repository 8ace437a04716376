import { BlockList, isIP } from 'node:net';
import { matchMask } from '../../protocol/irc-mask.js';
import { nickProblem } from '../../protocol/names.js';
import { ModerationError } from './moderation-error.js';

/** What a ban matches: an IRC mask (`nick!user@host`), one address, or a network (CIDR). */
export type BanKind = 'mask' | 'address' | 'cidr';

/** Longest mask a ban may have, in characters. */
export const MAX_MASK_LENGTH = 100;
/** Most wildcards (`*`, `?`) in one mask: enough for any real ban, too few to make matching costly. */
export const MAX_MASK_WILDCARDS = 8;

/** Who a client is, as bans see it: its nickname and address. */
export interface BanSubject {
  readonly nick: string;
  readonly address: string;
}

/**
 * A ban's target, read and bounded once: `matches` is then cheap. Masks match
 * `nick!nick@address` (the address the hub saw, never shown to other users), without regard to
 * ASCII case.
 * @internal
 */
export class BanRule {
  readonly kind: BanKind;
  /** The target in its normal form: `alice!*@*`, `203.0.113.7`, `10.0.0.0/8`. */
  readonly mask: string;
  private readonly network: BlockList | undefined;
  /** For a mask whose nick and user are `*`: its host part, which an address alone can be checked against. */
  private readonly hostOnly: string | undefined;

  private constructor(kind: BanKind, mask: string, network?: BlockList) {
    this.kind = kind;
    this.mask = mask;
    this.network = network;
    this.hostOnly = kind === 'mask' && mask.startsWith('*!*@') ? mask.slice(4) : undefined;
  }

  /**
   * Reads a ban target: an address (`203.0.113.7`, `2001:db8::1`), a network (`10.0.0.0/8`),
   * a mask (`*!*@10.0.0.*`, `bad*`, `*@host`: missing parts are `*`) or a nickname (`alice`,
   * which bans the name: `alice!*@*`). Throws a `ModerationError` (`ERR_BAD_MASK`) for anything
   * else, for more than `MAX_MASK_LENGTH` characters or `MAX_MASK_WILDCARDS` wildcards.
   */
  static parse(target: string): BanRule {
    if (typeof target !== 'string' || target === '') throw bad('a ban needs a nick, mask or address');
    if (target.length > MAX_MASK_LENGTH) throw bad(`a ban mask may be at most ${MAX_MASK_LENGTH} characters`);
    // Nothing that could end a line, hide text or split a list.
    if (/[\s,]/.test(target) || hasControl(target)) throw bad('a ban mask may not contain spaces, commas or control characters');
    const address = normalAddress(target);
    if (isIP(address) !== 0) return new BanRule('address', address);
    const slash = target.indexOf('/');
    if (slash !== -1) return BanRule.network(target, slash);
    let wildcards = 0;
    for (const char of target) if (char === '*' || char === '?') wildcards += 1;
    if (wildcards > MAX_MASK_WILDCARDS) throw bad(`a ban mask may have at most ${MAX_MASK_WILDCARDS} wildcards`);
    if (!target.includes('!') && !target.includes('@') && wildcards === 0) {
      const problem = nickProblem(target);
      if (problem !== undefined) throw bad(`'${target}' is neither a nickname (${problem}), a mask nor an address`);
      return new BanRule('mask', `${target}!*@*`);
    }
    return new BanRule('mask', normalMask(target));
  }

  private static network(target: string, slash: number): BanRule {
    const base = normalAddress(target.slice(0, slash));
    const bits = target.slice(slash + 1);
    const family = isIP(base);
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
    if (family === 0 || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw bad(`'${target}' is not a network (say 10.0.0.0/8 or 2001:db8::/32)`);
    const list = new BlockList();
    list.addSubnet(base, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return new BanRule('cidr', `${base}/${prefix}`, list);
  }

  /**
   * Whether this rule bans every client, or every client of an address family, whatever its
   * name: a mask whose nick and user match any name and whose host matches every address of
   * IPv4 or of IPv6 (`*!*@*`, `*`, `*!*@????*`, `*!*@*.*`, `*!*@?*.?*.?*.?*`, `*!*@*:*`), or a
   * network of prefix 0 (`0.0.0.0/0`, `::/0`). A hub ban of that kind would shut the hub,
   * operators included.
   */
  get matchesEveryone(): boolean {
    if (this.kind === 'cidr') return this.mask.endsWith('/0');
    if (this.kind !== 'mask') return false;
    // Split as normalMask joined it: the host after the first `@`, the user after the first `!` before it.
    const at = this.mask.indexOf('@');
    const beforeHost = this.mask.slice(0, at);
    const bang = beforeHost.indexOf('!');
    return matchesAnyName(beforeHost.slice(0, bang)) && matchesAnyName(beforeHost.slice(bang + 1)) && matchesAFamily(this.mask.slice(at + 1));
  }

  /** Whether this rule bans `subject`. */
  matches(subject: BanSubject): boolean {
    const address = normalAddress(subject.address);
    switch (this.kind) {
      case 'address':
        return address === this.mask;
      case 'cidr':
        return this.checkNetwork(address);
      case 'mask':
        return matchMask(this.mask, `${subject.nick}!${subject.nick}@${address}`);
    }
  }

  /** Whether this rule bans every connection from `address`, whatever its name: checked at the door. */
  matchesAddress(address: string): boolean {
    const normal = normalAddress(address);
    if (this.kind === 'address') return normal === this.mask;
    if (this.kind === 'cidr') return this.checkNetwork(normal);
    return this.hostOnly !== undefined && matchMask(this.hostOnly, normal);
  }

  private checkNetwork(address: string): boolean {
    const family = isIP(address);
    if (family === 0 || this.network === undefined) return false;
    return this.network.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Whether a mask's nick or user part matches every name: wildcards only, a `*`, and at most one `?` (a nickname may be one character). */
function matchesAnyName(part: string): boolean {
  if (!/^[*?]*\*[*?]*$/.test(part)) return false;
  return part.split('?').length - 1 <= 1;
}

/**
 * Every shape an address of each family can take, as far as a mask of wildcards and separators
 * can tell them apart: IPv4 by the length of each octet (1 to 3 digits, 81 shapes), IPv6 by its
 * shortest and longest forms and a few between.
 */
const ADDRESS_SHAPES: readonly (readonly string[])[] = [
  ipv4Shapes(),
  ['::1', '1::', 'a::1', '2001:db8::1', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

/**
 * Whether a mask's host matches every address of some family. Only a host of wildcards, dots
 * and colons can: a digit or letter in it is one some address of each family lacks.
 */
function matchesAFamily(host: string): boolean {
  if (!/^[*?.:]*$/.test(host)) return false;
  return ADDRESS_SHAPES.some((shapes) => shapes.every((address) => matchMask(host, address)));
}

function ipv4Shapes(): string[] {
  const octets = ['1', '11', '111'];
  const shapes: string[] = [];
  for (const a of octets) for (const b of octets) for (const c of octets) for (const d of octets) shapes.push(`${a}.${b}.${c}.${d}`);
  return shapes;
}

/** Whether `text` has a C0 control character or DEL. */
function hasControl(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** An IPv4 address as IPv6 shows it (`::ffff:10.0.0.1`) is the IPv4 address: a ban on one is a ban on both. */
function normalAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

/** `nick!user@host` with every missing part `*`: `bad*` is `bad*!*@*`, `*@host` is `*!*@host`. */
function normalMask(mask: string): string {
  const at = mask.indexOf('@');
  const beforeHost = at === -1 ? mask : mask.slice(0, at);
  const host = at === -1 ? '*' : mask.slice(at + 1) || '*';
  const bang = beforeHost.indexOf('!');
  let nick = bang === -1 ? beforeHost : beforeHost.slice(0, bang);
  const user = bang === -1 ? '*' : beforeHost.slice(bang + 1) || '*';
  // `*@host` names no nick: any.
  if (nick === '') nick = '*';
  if (host.includes('@') || user.includes('!')) throw bad(`'${mask}' is not a mask (nick!user@host)`);
  return `${nick}!${user}@${host.toLowerCase()}`;
}

function bad(message: string): ModerationError {
  return new ModerationError('ERR_BAD_MASK', message);
}
