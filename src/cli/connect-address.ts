import { isIPv6 } from 'node:net';
import { UsageError } from './flags.js';

/** A server address as typed: the host, and the port's text if one was given with it. */
export interface TypedAddress {
  readonly host: string;
  readonly port?: string | undefined;
}

/**
 * Reads the address arguments of `connect`: `HOST`, `HOST:PORT`, `[IPV6]:PORT`, a bare
 * IPv6 address (`::1`), or `HOST PORT` as two arguments (the host may be bracketed there
 * too). The port is left as text, for the caller to check. Several colons make an IPv6
 * address, whose port goes after brackets (`fe80::1:8000` is an address; `[fe80::1]:8000` is
 * one with a port); a `UsageError` says so for anything else with several colons.
 */
export function readAddress(args: readonly string[]): TypedAddress {
  const [first, second] = args;
  if (first === undefined) throw new UsageError('missing address', 'connect');
  const address = splitAddress(first);
  if (second === undefined) return address;
  if (address.port !== undefined) throw new UsageError(`give the port once: '${first}' already names port ${address.port}`, 'connect');
  return { host: address.host, port: second };
}

function splitAddress(text: string): TypedAddress {
  if (text.startsWith('[')) {
    const match = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    const host = match?.[1];
    if (match === null || host === undefined || host === '' || match[2] === '') {
      throw new UsageError(`invalid address '${text}': expected [ADDRESS] or [ADDRESS]:PORT`, 'connect');
    }
    return { host, port: match[2] };
  }
  const colon = text.indexOf(':');
  if (colon === -1) return { host: text };
  if (colon === text.lastIndexOf(':')) {
    const host = text.slice(0, colon);
    const port = text.slice(colon + 1);
    if (host === '' || port === '') throw new UsageError(`invalid address '${text}': expected HOST:PORT`, 'connect');
    return { host, port };
  }
  // Several colons: an IPv6 address, which takes its port only in brackets.
  if (isIPv6(text)) return { host: text };
  throw new UsageError(`invalid address '${text}': write an IPv6 address with a port as [ADDRESS]:PORT`, 'connect');
}
