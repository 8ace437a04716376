import { ConnectError, describeSocketError } from '../errors.js';

/** Where a client connects: a TCP address, or a Unix socket when `path` is set. */
export interface HubAddress {
  readonly host: string;
  readonly port: number;
  readonly path: string | undefined;
}

/**
 * A `ConnectError` naming where the client tried: `host:port`, or the socket's path (its
 * `host` is then the path and its `port` 0, since `ConnectError` knows only TCP addresses).
 */
export function connectError(address: HubAddress, cause: unknown): ConnectError {
  if (address.path === undefined) return new ConnectError(address.host, address.port, cause);
  const error = new ConnectError(address.path, 0, cause);
  error.message = `could not connect to ${address.path}: ${describeSocketError(cause)}`;
  return error;
}
