/**
 * The `nick!user@host` side of IRC: splitting a source, matching masks (`*!*@10.0.0.*`), and
 * telling a host name from anything else. What bans and WHO patterns are built on.
 */

/** The parts of a `nick!user@host` source; a part it does not name is `''`. */
export interface IrcUserhost {
  readonly nick: string;
  readonly user: string;
  readonly host: string;
}

/** Splits `nick!user@host` (any part but the nick may be missing) into its parts. */
export function splitUserhost(source: string): IrcUserhost {
  const at = source.indexOf('@');
  const beforeHost = at === -1 ? source : source.slice(0, at);
  const host = at === -1 ? '' : source.slice(at + 1);
  const bang = beforeHost.indexOf('!');
  return bang === -1 ? { nick: beforeHost, user: '', host } : { nick: beforeHost.slice(0, bang), user: beforeHost.slice(bang + 1), host };
}

/**
 * Whether `subject` (a `nick!user@host`, or a bare nick) matches `mask`: `*` stands for any run
 * of characters, `?` for exactly one, and every other character (`[` included) for itself,
 * compared without regard to ASCII case (the hub's `CASEMAPPING=ascii`). Linear in practice:
 * a `*` is retried from where it last matched, never by recursion, so no mask can make it
 * take exponential time.
 */
export function matchMask(mask: string, subject: string): boolean {
  const pattern = mask.toLowerCase();
  const text = subject.toLowerCase();
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const char = pattern[p];
    if (char === '*') {
      star = p;
      p += 1;
      resume = t;
    } else if (char !== undefined && (char === '?' || char === text[t])) {
      p += 1;
      t += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** Longest host name, in bytes (RFC 1035). */
const MAX_HOSTNAME_LENGTH = 253;
/** One label of a host name: letters, digits and `-`, not at either end, at most 63 characters. */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Whether `host` is a valid host name: dot-separated labels of letters, digits and inner
 * hyphens (RFC 952/1123), at most 253 characters, with at least one dot (a final dot, as in
 * `services.`, counts). What a server name must look like, since clients take a name without a
 * dot for a nickname.
 */
export function isValidHostname(host: string): boolean {
  if (host.length === 0 || host.length > MAX_HOSTNAME_LENGTH || !host.includes('.')) return false;
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  return labels.every((label) => LABEL.test(label));
}
