import type { Duplex } from 'node:stream';
import { ConnectionLimiter, type AdmissionRefusal, type ConnectionLimits } from './connection-limiter.js';
import type { Farewell } from '../../protocol/farewell.js';
import type { Protocol } from '../../protocol/protocol.js';
import { refuseConnection } from './refuse-connection.js';

/**
 * The hub's door: counts connections in total and per address, and turns away those over
 * `maxClients` or `maxClientsPerAddress` before any `Peer` exists for them, telling each why
 * in one line (`! server full (10000 clients)`) and closing it at once.
 * @internal
 */
export class Admission {
  private readonly limiter: ConnectionLimiter;
  private readonly protocol: Protocol<unknown>;
  private readonly farewells: Readonly<Record<Exclude<AdmissionRefusal, 'banned'>, Farewell>>;
  /**
   * Moderation's check of an address (a hub ban), before anything else: the farewell to tell a
   * banned connection (reason `banned`, the ban's reason), or `undefined` to let it in.
   */
  screen: ((address: string) => Farewell | undefined) | undefined;

  constructor(limits: ConnectionLimits, protocol: Protocol<unknown>) {
    this.limiter = new ConnectionLimiter(limits);
    this.protocol = protocol;
    this.farewells = {
      'server-full': { reason: 'server-full', message: `server full (${limits.maxClients} clients)` },
      'too-many-from-address': { reason: 'too-many-from-address', message: `too many connections from your address (${limits.maxClientsPerAddress})` },
    };
  }

  /** Counts the connection from `address` in, or refuses it (and has told the client, in `protocol`) and returns why. */
  admit(stream: Duplex, address: string, protocol: Protocol<unknown> = this.protocol): AdmissionRefusal | undefined {
    // Before the connection counts: a banned address takes no place at the door.
    const banned = this.screen?.(address);
    if (banned !== undefined) {
      refuseConnection(stream, protocol, banned);
      return 'banned';
    }
    const refusal = this.limiter.admit(address);
    if (refusal !== undefined) refuseConnection(stream, protocol, this.farewells[refusal]);
    return refusal;
  }

  /** Frees the place of a connection that `admit` let in. */
  release(address: string): void {
    this.limiter.release(address);
  }
}
