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
 * - `slow-consumer`: the peer stopped reading: its queue passed `maxQueuedBytes`, or stayed
 *   over `softQueuedBytes` for `softQueuedSeconds`.
 * - `too-large`: the peer sent a message over `maxMessageBytes` under the `disconnect` policy.
 * - `heartbeat`: the other side stopped answering (nothing arrived within the heartbeat timeout).
 * - `flood`: the peer sent faster than the hub's `flood` limit allows, under its `disconnect`
 *   policy (or held back more than `flood.maxBacklog` messages under `slow`).
 * - `idle`: the peer sent nothing for `idleTimeout`.
 * - `timeout`: the peer left a message unfinished for `partialMessageTimeout` (slowloris).
 * - `auth-failed`: the `authenticate` hook refused the peer, or it did not identify in time.
 * - `tls-renegotiation`: the peer renegotiated TLS more often than Node allows (3 times in 10
 *   minutes, `tls.CLIENT_RENEG_LIMIT`): each renegotiation is a full handshake the hub pays
 *   for, so this is an attack, and the connection is cut at once, without a word.
 * - `server-full`, `too-many-from-address`: a connection refused at the door (`maxClients`,
 *   `maxClientsPerAddress`); only the hub's `refused` event and the refused client's `bye` carry them.
 * - `banned`: the client is banned from the hub (`/ban`, `hub.moderation.ban()`): refused at the
 *   door, told the ban's reason, or cut when a ban was set on it while connected.
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
  | 'heartbeat'
  | 'flood'
  | 'idle'
  | 'timeout'
  | 'auth-failed'
  | 'tls-renegotiation'
  | 'server-full'
  | 'too-many-from-address'
  | 'banned';

/**
 * Reasons after which coming straight back would be wrong: the hub or its operator turned this
 * client away, and the same client would be turned away again. `ChatClient`, `JsonChatClient`
 * and `BrowserChatClient` give up on them whatever their retry strategy; the application may
 * still connect again.
 */
export const NO_RECONNECT_REASONS: ReadonlySet<string> = new Set<DisconnectReason>(['kicked', 'banned', 'auth-failed']);
