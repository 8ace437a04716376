/**
 * The hub's monotonic counters, bumped where things happen: plain integer fields for what
 * happens per message or per byte (no lookup, no allocation on the relay's path), maps for
 * what is counted by reason, which happens once per connection at most.
 * @internal
 */
export class HubCounters {
  readonly startedAt = Date.now();
  opened = 0;
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  deliveries = 0;
  deliveriesDropped = 0;
  bytesOut = 0;
  slowConsumers = 0;
  floodDelayed = 0;
  floodDropped = 0;
  floodCut = 0;
  handlerErrors = 0;
  clientErrors = 0;
  tlsErrors = 0;
  adapterStatusChanges = 0;
  readonly refused = new Map<string, number>();
  readonly authFailures = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  readonly disconnects = new Map<string, number>();
  /** Clients now per protocol: a gauge, up on connect, down on disconnect, moved when an adaptive framing is detected. */
  private readonly protocols = new Map<string, number>();

  /** Adds one to `key` of a by-reason count. */
  count(counts: Map<string, number>, key: string): void {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  /** A client was admitted, spoken to in `protocol`. */
  connected(protocol: string): void {
    this.opened += 1;
    this.count(this.protocols, protocol);
  }

  /** A client spoken to in `protocol` is gone. */
  disconnected(protocol: string, reason: string): void {
    this.count(this.disconnects, reason);
    this.uncount(protocol);
  }

  /** A client's adaptive framing (`auto`, `mixed`) turned out to be `to`. */
  detected(from: string, to: string): void {
    if (from === to) return;
    this.uncount(from);
    this.count(this.protocols, to);
  }

  /** Clients now, by protocol. */
  byProtocol(): Record<string, number> {
    return Object.fromEntries(this.protocols);
  }

  private uncount(protocol: string): void {
    const now = (this.protocols.get(protocol) ?? 0) - 1;
    if (now > 0) this.protocols.set(protocol, now);
    else this.protocols.delete(protocol);
  }
}
