import type { BrokerTransport, TransportHandlers } from './broker-transport.js';

/**
 * A broker inside one process, for hubs that share a process (tests, a demo) and for trying
 * an adapter without a server. Frames are delivered asynchronously, in publish order, to
 * every subscriber; claims expire like broker keys would.
 */
export class MemoryBroker {
  private readonly subscribers = new Set<TransportHandlers>();
  private readonly keys = new Map<string, { owner: string; expires: number }>();

  /** A transport on this broker, for one `BrokerAdapter`. */
  transport(): BrokerTransport {
    let handlers: TransportHandlers | undefined;
    return {
      name: 'memory',
      start: (given) => {
        handlers = given;
        this.subscribers.add(given);
        return Promise.resolve();
      },
      publish: (frame) => {
        // A microtask per frame keeps publish order and never re-enters the publisher.
        for (const subscriber of this.subscribers) {
          queueMicrotask(() => {
            if (this.subscribers.has(subscriber)) subscriber.message(frame);
          });
        }
        return true;
      },
      claim: (key, owner, ttlMs) => {
        const held = this.live(key);
        if (held !== undefined && held !== owner) return Promise.resolve(false);
        this.keys.set(key, { owner, expires: Date.now() + ttlMs });
        return Promise.resolve(true);
      },
      refresh: (keys, owner, ttlMs) => {
        for (const key of keys) if (this.live(key) === owner) this.keys.set(key, { owner, expires: Date.now() + ttlMs });
        return Promise.resolve();
      },
      release: (key, owner) => {
        if (this.live(key) === owner) this.keys.delete(key);
        return Promise.resolve();
      },
      close: () => {
        if (handlers !== undefined) this.subscribers.delete(handlers);
        return Promise.resolve();
      },
    };
  }

  private live(key: string): string | undefined {
    const entry = this.keys.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > Date.now()) return entry.owner;
    this.keys.delete(key);
    return undefined;
  }
}
