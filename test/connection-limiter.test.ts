import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from '../src/hub/limits/connection-limiter.js';

describe('ConnectionLimiter', () => {
  it('refuses past the total and per-address caps, and frees places on release', () => {
    const limiter = new ConnectionLimiter({ maxClients: 3, maxClientsPerAddress: 2 });
    expect(limiter.admit('127.0.1.1')).toBeUndefined();
    expect(limiter.admit('127.0.1.1')).toBeUndefined();
    expect(limiter.admit('127.0.1.1')).toBe('too-many-from-address');
    expect(limiter.admit('127.0.1.2')).toBeUndefined();
    expect(limiter.admit('127.0.1.3')).toBe('server-full');
    expect(limiter.size).toBe(3);
    limiter.release('127.0.1.1');
    expect(limiter.admit('127.0.1.3')).toBeUndefined();
    expect(limiter.admit('127.0.1.1')).toBe('server-full');
  });

  it('ignores releases it never admitted', () => {
    const limiter = new ConnectionLimiter({ maxClients: 1, maxClientsPerAddress: 1 });
    limiter.release('127.0.1.9');
    expect(limiter.size).toBe(0);
    expect(limiter.admit('127.0.1.9')).toBeUndefined();
  });
});
