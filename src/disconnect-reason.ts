/**
 * Why a connection ended, as reported by `disconnect` events on both the hub and the client.
 *
 * - `client-closed`: the client ended the connection (hub side).
 * - `hub-closed`: the hub ended the connection (client side).
 * - `closed`: this side called `close()`.
 * - `reset`: the other side reset the connection (`ECONNRESET`).
 * - `error`: another socket error; the `disconnect` event carries it.
 * - `shutdown`: the hub is closing.
 * - `kicked`: the application closed the peer (`peer.close()`).
 * - `slow-consumer`: the peer stopped reading and its queue passed `maxQueuedBytes`.
 * - `too-large`: the peer sent a message over `maxMessageBytes` under the `disconnect` policy.
 * - `invalid-data`: the peer sent bytes its framing cannot accept under a `disconnect` policy.
 */
export type DisconnectReason =
  | 'client-closed'
  | 'hub-closed'
  | 'closed'
  | 'reset'
  | 'error'
  | 'shutdown'
  | 'kicked'
  | 'slow-consumer'
  | 'too-large'
  | 'invalid-data';
