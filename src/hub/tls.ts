import { Socket } from 'node:net';
import { createServer as createTlsServer, Server as TlsServer, type TlsOptions } from 'node:tls';

/** Protocol versions the hub refuses to go below, whatever it is given. */
const TOO_OLD = new Set(['TLSv1', 'TLSv1.1', 'SSLv3']);

/** Where a connection came from, for reports about connections that never became a `Peer`. */
export interface RemoteEndpoint {
  readonly address: string;
  readonly port: number;
}

/** The TLS options of `new BroadcastHub()`. */
export interface HubTlsOptions {
  /**
   * Listen over TLS with these options (`key` and `cert` at least; `ca`, `requestCert`...
   * for client certificates). The hub never negotiates below TLS 1.2: a `minVersion` under
   * `'TLSv1.2'` or a `secureProtocol` throws. Default: plain TCP.
   */
  tls?: TlsOptions;
  /**
   * Milliseconds a TLS handshake may take; a connection that has not finished it by then
   * (one that connected and sent nothing, say) is dropped and reported on `tlsClientError`.
   * Default 10000. Only applies to a server the hub creates from `tls`.
   */
  handshakeTimeout?: number;
}

/**
 * Creates the hub's TLS server: TLS 1.2 at least (Node's own default can be lowered with a
 * command-line flag; an explicit `minVersion` cannot), and a handshake deadline.
 * @internal
 */
export function createHubTlsServer(options: TlsOptions, handshakeTimeout: number): TlsServer {
  if (options.minVersion !== undefined && TOO_OLD.has(options.minVersion)) {
    throw new RangeError(`tls.minVersion must be 'TLSv1.2' or later, got '${options.minVersion}'`);
  }
  if (options.maxVersion !== undefined && TOO_OLD.has(options.maxVersion)) {
    throw new RangeError(`tls.maxVersion must be 'TLSv1.2' or later, got '${options.maxVersion}'`);
  }
  // secureProtocol pins a method that can override minVersion, so it is refused outright.
  if (options.secureProtocol !== undefined) throw new TypeError("tls.secureProtocol is not supported; use 'minVersion' and 'maxVersion'");
  return createTlsServer({ ...options, minVersion: options.minVersion ?? 'TLSv1.2', handshakeTimeout, noDelay: true } as TlsOptions);
}

/** The caps the hub's door applies, here counted on TCP connections, handshakes included. */
export interface TcpCaps {
  readonly maxClients: number;
  readonly maxClientsPerAddress: number;
}

/**
 * Watches the handshakes of a `tls.Server`. Node reports a failed or timed-out handshake on
 * `tlsClientError` but, in Node 20, leaves the socket open when the client simply stays
 * silent: the handshake timeout would free nothing. This destroys the socket, reports it,
 * and lets the hub drop the handshakes still in progress when it closes (`server.close()`
 * would otherwise wait for them).
 *
 * It also applies the connection caps to TCP connections as they arrive: the hub's own door
 * counts clients only once their handshake is done, so without this, handshakes in progress
 * (each held up to `handshakeTimeout`) would be bounded by nothing.
 * @internal
 */
export class TlsHandshakes {
  private readonly server: TlsServer;
  private readonly report: (error: Error, remote: RemoteEndpoint) => void;
  private readonly caps: TcpCaps;
  private readonly refused: (address: string, reason: 'server-full' | 'too-many-from-address') => void;
  private readonly raw = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  /** Refused at the door: their handshake then fails, and that is not news to report twice. */
  private readonly turnedAway = new WeakSet<Socket>();

  constructor(
    server: TlsServer,
    report: (error: Error, remote: RemoteEndpoint) => void,
    caps: TcpCaps,
    refused: (address: string, reason: 'server-full' | 'too-many-from-address') => void,
  ) {
    this.server = server;
    this.report = report;
    this.caps = caps;
    this.refused = refused;
    server.on('connection', this.onConnection);
    server.on('tlsClientError', this.onClientError);
  }

  /**
   * Drops every connection still open at the TCP level. Called once the hub's clients are all
   * closed, when what is left can only be handshakes in progress.
   */
  destroyRemaining(): void {
    for (const socket of this.raw) socket.destroy();
    this.raw.clear();
    this.perAddress.clear();
  }

  /** Stops watching (for a server the hub does not own). */
  dispose(): void {
    this.server.off('connection', this.onConnection);
    this.server.off('tlsClientError', this.onClientError);
    this.raw.clear();
    this.perAddress.clear();
  }

  private readonly onConnection = (socket: Socket): void => {
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.perAddress.get(address) ?? 0;
    // Before any TLS: there is no way yet to say why, so the connection is just closed.
    const refusal = this.raw.size >= this.caps.maxClients ? 'server-full' : fromAddress >= this.caps.maxClientsPerAddress ? 'too-many-from-address' : undefined;
    if (refusal !== undefined) {
      this.turnedAway.add(socket);
      socket.destroy();
      this.refused(address, refusal);
      return;
    }
    this.raw.add(socket);
    this.perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.raw.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
  };

  private readonly onClientError = (error: Error, socket: Socket): void => {
    // The error names the TLS socket; the door saw the TCP socket under it (`_parent`, as Node sets it).
    const tcp = (socket as Socket & { _parent?: unknown })._parent;
    if (tcp instanceof Socket && this.turnedAway.has(tcp)) return;
    const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.destroy();
    this.report(error, remote);
  };
}

/**
 * Whether a TLS socket's `error` is Node's report of a renegotiation attack: more than
 * `tls.CLIENT_RENEG_LIMIT` (3) renegotiations within `tls.CLIENT_RENEG_WINDOW` (10 minutes).
 * Node only reports it and lets the handshakes go on, each a full key exchange the hub pays
 * for (hundreds a second on one socket): the peer must be cut.
 * @internal
 */
export function isRenegotiationAttack(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'ERR_TLS_SESSION_ATTACK';
}
