import { describe, expect, it } from 'vitest';
import { ChatClient, JsonChatClient, lineCodec, type ChatClientOptions, type JsonChatClientOptions } from '../src/index.js';

/** [options, error class, message] for each bad value: the message names the option and the value. */
const bad: [Record<string, unknown>, typeof TypeError | typeof RangeError, string | RegExp][] = [
  [{ port: 70_000 }, RangeError, 'port must be a whole number from 0 to 65535, got 70000'],
  [{ port: -1 }, RangeError, 'port must be a whole number from 0 to 65535, got -1'],
  [{ port: 80.5 }, RangeError, 'port must be a whole number from 0 to 65535, got 80.5'],
  [{ port: Number.NaN }, RangeError, 'port must be a whole number from 0 to 65535, got NaN'],
  [{ port: '8000' }, TypeError, 'port must be a port number, got "8000"'],
  [{ host: '' }, TypeError, 'host must be a non-empty string, got ""'],
  [{ host: 42 }, TypeError, 'host must be a non-empty string, got 42'],
  [{ connectTimeout: -5 }, RangeError, 'connectTimeout must be a positive number, got -5'],
  [{ connectTimeout: 0 }, RangeError, 'connectTimeout must be a positive number, got 0'],
  [{ connectTimeout: Number.POSITIVE_INFINITY }, RangeError, 'connectTimeout must be a positive number, got Infinity'],
  [{ connectTimeout: 2 ** 31 }, RangeError, 'connectTimeout must be at most 2147483647 ms (the longest a timer waits), got 2147483648'],
  [{ keepAliveDelay: -1 }, RangeError, 'keepAliveDelay must be a number, 0 or more, got -1'],
  [{ keepAliveDelay: Number.NaN }, RangeError, 'keepAliveDelay must be a number, 0 or more, got NaN'],
  [{ maxMessageBytes: 0 }, RangeError, 'maxMessageBytes must be a positive number, got 0'],
  [{ maxMessageBytes: Number.POSITIVE_INFINITY }, RangeError, 'maxMessageBytes must be a positive number, got Infinity'],
  [{ maxOfflineMessages: -1 }, RangeError, 'maxOfflineMessages must be a whole number, 0 or more, got -1'],
  [{ maxOfflineMessages: Number.POSITIVE_INFINITY }, RangeError, 'maxOfflineMessages must be a whole number, 0 or more, got Infinity'],
  [{ maxOfflineBytes: 1.5 }, RangeError, 'maxOfflineBytes must be a whole number, 0 or more, got 1.5'],
  [{ heartbeatTimeout: -1 }, RangeError, 'heartbeatTimeout must be a positive number, got -1'],
  [{ heartbeatTimeout: 'sometimes' }, TypeError, `heartbeatTimeout must be a number of ms, 'auto' or false, got "sometimes"`],
  [{ heartbeatTimeout: true }, TypeError, `heartbeatTimeout must be a number of ms, 'auto' or false, got true`],
  [{ invalidUtf8: 'ignore' }, TypeError, `invalidUtf8 must be 'replace' or 'reject', got "ignore"`],
  [{ framing: 'lines' }, TypeError, /^unknown framing 'lines'; expected one of /],
  [{ framing: 42 }, TypeError, 'framing must be a framing name or a Codec, got 42'],
  [{ framing: {} }, TypeError, 'framing must be a framing name or a Codec, got an object'],
  [{ reconnect: 'yes' }, TypeError, 'reconnect must be true, false or an object of options, got "yes"'],
  [{ reconnect: { initialDelay: -10 } }, RangeError, 'reconnect.initialDelay must be a positive number, got -10'],
  [{ reconnect: { maxDelay: Number.POSITIVE_INFINITY } }, RangeError, 'reconnect.maxDelay must be a positive number, got Infinity'],
  [{ reconnect: { initialDelay: 500, maxDelay: 100 } }, RangeError, 'reconnect.maxDelay must be at least reconnect.initialDelay, got 100 < 500'],
  [{ reconnect: { maxAttempts: -1 } }, RangeError, 'reconnect.maxAttempts must be a whole number, 0 or more, got -1'],
  [{ reconnect: { maxAttempts: 2.5 } }, RangeError, 'reconnect.maxAttempts must be a whole number, 0 or more, got 2.5'],
  [{ reconnect: { retryStrategy: 100 } }, TypeError, 'reconnect.retryStrategy must be a function, got 100'],
  [{ reconnect: { signal: {} } }, TypeError, 'reconnect.signal must be an AbortSignal, got an object'],
  [{ tls: 'on' }, TypeError, 'tls must be true, false or tls.connect() options, got "on"'],
  [{ token: 1234 }, TypeError, 'token must be a string, got 1234'],
  [{ restore: 'again' }, TypeError, 'restore must be a function, got "again"'],
  [{ path: '' }, TypeError, 'path must be a non-empty string, got ""'],
  [{ path: '/tmp/hub.sock', port: 8000 }, TypeError, 'give path (a Unix socket) or host and port (TCP), not both; got path "/tmp/hub.sock" and port 8000'],
  [{ path: '/tmp/hub.sock', host: 'localhost' }, TypeError, 'give path (a Unix socket) or host and port (TCP), not both; got path "/tmp/hub.sock" and host "localhost"'],
];

describe('new ChatClient(options) checks its options', () => {
  it.each(bad)('%o throws %o', (options, kind, message) => {
    const thrown = (() => {
      try {
        // As a JavaScript caller may pass them: no compile-time check there.
        new ChatClient(options);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(kind);
    if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
    else expect((thrown as Error).message).toMatch(message);
  });

  it('accepts the edges of every range', () => {
    const edges: ChatClientOptions[] = [
      { port: 0 },
      { port: 65_535 },
      { keepAliveDelay: 0 },
      { maxOfflineMessages: 0, maxOfflineBytes: 0 },
      { heartbeatTimeout: false },
      { heartbeatTimeout: 'auto' },
      { heartbeatTimeout: 1 },
      { connectTimeout: 2 ** 31 - 1 },
      { reconnect: false },
      { reconnect: true },
      { reconnect: { maxAttempts: 0 } },
      { reconnect: { maxAttempts: Number.POSITIVE_INFINITY } },
      { reconnect: { maxDelay: 100 } },
      { reconnect: { initialDelay: 60_000 } },
      { framing: lineCodec },
      { tls: false },
      { tls: { rejectUnauthorized: true } },
      { path: '/tmp/hub.sock' },
    ];
    for (const options of edges) expect(() => new ChatClient(options)).not.toThrow();
    const client = new ChatClient({ path: '/tmp/hub.sock' });
    expect(client.path).toBe('/tmp/hub.sock');
    expect(new ChatClient().path).toBeUndefined();
  });
});

describe('new JsonChatClient(options) checks its options', () => {
  it.each(bad.filter(([options]) => !('framing' in options) && !('invalidUtf8' in options) && !('keepAliveDelay' in options) && !('restore' in options)))(
    '%o throws %o',
    (options, kind, message) => {
      expect(() => new JsonChatClient(options as JsonChatClientOptions)).toThrow(typeof message === 'string' ? new kind(message) : message);
    },
  );

  it('checks its own options too', () => {
    expect(() => new JsonChatClient({ nick: 7 } as unknown as JsonChatClientOptions)).toThrow(new TypeError('nick must be a string, got 7'));
    expect(() => new JsonChatClient({ path: '/tmp/hub.sock' })).not.toThrow();
  });
});
