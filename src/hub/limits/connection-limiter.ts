/** Why a connection was refused at the door. */
export type AdmissionRefusal = 'server-full' | 'too-many-from-address' | 'banned';

/** Options for `ConnectionLimiter`. */
export interface ConnectionLimits {
  /** Most clients connected at once. */
  readonly maxClients: number;
  /** Most clients connected at once from one IP address. */
  readonly maxClientsPerAddress: number;
}

/**
 * Counts connections in total and per remote address, and says whether one more may come
 * in. Keeps no entry for an address with no connection, so its memory follows the clients.
 */
export class ConnectionLimiter {
  private readonly limits: ConnectionLimits;
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(limits: ConnectionLimits) {
    this.limits = limits;
  }

  /** Counts a new connection from `address`, or returns why it must be refused (and counts nothing). */
  admit(address: string): Exclude<AdmissionRefusal, 'banned'> | undefined {
    if (this.total >= this.limits.maxClients) return 'server-full';
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxClientsPerAddress) return 'too-many-from-address';
    this.perAddress.set(address, fromAddress + 1);
    this.total += 1;
    return undefined;
  }

  /** Forgets a connection that `admit` counted. */
  release(address: string): void {
    const fromAddress = this.perAddress.get(address);
    if (fromAddress === undefined) return;
    if (fromAddress <= 1) this.perAddress.delete(address);
    else this.perAddress.set(address, fromAddress - 1);
    this.total -= 1;
  }

  /** Connections counted now. */
  get size(): number {
    return this.total;
  }
}
