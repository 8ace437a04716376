/**
 * Type tests for authentication and TLS, compiled by `tsc --noEmit` and never run: every
 * `@ts-expect-error` line must fail to compile.
 */
import { AuthError, BroadcastHub, ChatClient, JsonChatClient, type AuthFailureReason, type AuthRequest, type Peer, type RemoteEndpoint } from '../../src/index.js';

interface User {
  userId?: string;
}

// The hook sees peers of the hub's data type, and may answer a boolean, a name, or a promise of either.
const hub = new BroadcastHub<string, User>({
  authenticate: async ({ peer, credentials, hello, tls, signal }: AuthRequest<User>) => {
    if (credentials !== undefined) peer.data.userId = credentials;
    await Promise.resolve();
    signal.throwIfAborted();
    return hello?.nick ?? tls?.authorized ?? false;
  },
  authTimeout: 5000,
  maxPreAuthBytes: 1024,
  tls: { key: 'k', cert: 'c', minVersion: 'TLSv1.3' },
  handshakeTimeout: 2000,
});
new BroadcastHub({ authenticate: () => true });
new BroadcastHub({ authenticate: () => 'alice' });
hub.on('authFailed', (peer: Peer<User>, error: AuthError) => [peer.data.userId, error.reason satisfies AuthFailureReason]);
hub.on('tlsClientError', (error: Error, remote: RemoteEndpoint) => [error.message, remote.address, remote.port]);

// @ts-expect-error -- a hook answers a boolean or a name, not a number
new BroadcastHub({ authenticate: () => 1 });
// @ts-expect-error -- authFailed carries an AuthError, not a string
hub.on('authFailed', (_peer: Peer<User>, error: string) => error);
// @ts-expect-error -- tlsClientError has no Peer: the connection never became one
hub.on('tlsClientError', (_error: Error, peer: Peer<User>) => peer);

new ChatClient({ token: 's3cret', tls: { ca: 'pem', servername: 'chat.example' } });
new ChatClient({ tls: true });
new JsonChatClient({ token: 's3cret', tls: true });
// @ts-expect-error -- a token is a string
new ChatClient({ token: 42 });
