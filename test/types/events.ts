/**
 * Type tests, compiled by `tsc --noEmit` (tsconfig.json covers test/) and never run: every
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
 */
import {
  BroadcastHub,
  ChatClient,
  type DisconnectReason,
  type FramingError,
  type HubAddress,
  type HubEvents,
  type Peer,
} from '../../src/index.js';

declare const peer: Peer;

// --- BroadcastHub<string>: what compiles ---
const hub = new BroadcastHub({ framing: 'line' });
hub.on('connect', (connected: Peer) => connected.id);
hub.on('message', (message: string, from: Peer) => `${message} ${from.id}`);
hub.on('message', (message) => message.toUpperCase());
hub.on('disconnect', (gone: Peer, reason: DisconnectReason, error?: Error) => [gone, reason, error]);
hub.on('clientError', (error: Error, from: Peer) => [error, from]);
hub.on('slowConsumer', (slow: Peer, queuedBytes: number) => [slow, queuedBytes]);
hub.on('error', (error: Error) => error);
hub.once('listening', (address: HubAddress) => ('port' in address ? address.port : address.path));
hub.on('close', () => undefined);
hub.broadcast('hi', { except: peer });

// --- BroadcastHub<string>: wrong listener signatures ---
// @ts-expect-error a text hub's messages are strings
hub.on('message', (message: Buffer) => message);
// @ts-expect-error the message comes first, the peer second
hub.on('message', (from: Peer, message: string) => [from, message]);
// @ts-expect-error clientError is (error, peer), not (peer, error)
hub.on('clientError', (from: Peer, error: Error) => [from, error]);
// @ts-expect-error a disconnect reason is a DisconnectReason, not a number
hub.on('disconnect', (gone: Peer, reason: number) => [gone, reason]);
// @ts-expect-error slowConsumer reports bytes as a number
hub.on('slowConsumer', (slow: Peer, queuedBytes: string) => [slow, queuedBytes]);
// @ts-expect-error connect gets a single peer, nothing more
hub.on('connect', (connected: Peer, extra: string) => [connected, extra]);
// @ts-expect-error listening gets a HubAddress, not a string
hub.once('listening', (address: string) => address);
// @ts-expect-error unknown event name
hub.on('mesage', () => undefined);
// @ts-expect-error unknown event name, with off() too
hub.off('connection', () => undefined);
// @ts-expect-error emit is checked as well
hub.emit('message', 42, peer);
// @ts-expect-error a broadcast to a number is not a message
hub.broadcast(42);

// --- Framing options must match the message type ---
new BroadcastHub<Buffer>({ framing: 'length' });
new ChatClient<Buffer>({ framing: 'length' });
// @ts-expect-error 'length' framing carries Buffers, not strings
new BroadcastHub<string>({ framing: 'length' });
// @ts-expect-error 'length' is not a framing for a default (string) hub either
new BroadcastHub({ framing: 'length' });
// @ts-expect-error a Buffer hub cannot use a text framing
new BroadcastHub<Buffer>({ framing: 'line' });
// @ts-expect-error 'length' framing carries Buffers, not strings, for clients too
new ChatClient<string>({ framing: 'length' });
// @ts-expect-error unknown framing name
new BroadcastHub({ framing: 'xml' });
// @ts-expect-error unknown oversized-message policy
new BroadcastHub({ oversizedMessage: 'truncate' });
// @ts-expect-error unknown invalid UTF-8 policy
new ChatClient({ invalidUtf8: 'ignore' });

// --- A Buffer hub's listeners get Buffers ---
const binaryHub = new BroadcastHub<Buffer>({ framing: 'length' });
binaryHub.on('message', (message: Buffer) => message.length);
// @ts-expect-error a binary hub's messages are Buffers
binaryHub.on('message', (message: string) => message);

// --- Typed per-peer data ---
const nickHub = new BroadcastHub<string, { nick: string }>();
nickHub.on('connect', (connected) => {
  connected.data.nick = 'guest';
});
nickHub.on('connect', (connected) => {
  // @ts-expect-error nick is a string
  connected.data.nick = 1;
});
nickHub.on('connect', (connected) => {
  // @ts-expect-error no such field in the data type
  connected.data.age = 3;
});

// --- ChatClient ---
const client = new ChatClient({ host: '127.0.0.1', port: 8000 });
client.on('connect', () => undefined);
client.on('message', (message: string) => message.length);
client.on('disconnect', (reason: DisconnectReason, error?: Error) => [reason, error]);
client.on('error', (error: FramingError) => error.code);
client.on('drain', () => undefined);
// @ts-expect-error a text client's messages are strings
client.on('message', (message: Buffer) => message);
// @ts-expect-error disconnect gets the reason first
client.on('disconnect', (error: Error) => error);
// @ts-expect-error connect has no arguments
client.on('connect', (peerOfMine: Peer) => peerOfMine);
// @ts-expect-error unknown event name
client.on('connected', () => undefined);
// @ts-expect-error unknown event name
client.once('close', () => undefined);
const binaryClient = new ChatClient<Buffer>({ framing: 'length' });
binaryClient.on('message', (message: Buffer) => message.byteLength);
// @ts-expect-error a binary client's messages are Buffers
binaryClient.on('message', (message: string) => message);
// @ts-expect-error send takes a message, not a number
client.send(1);
client.on('reconnecting', (attempt: number, delayMs: number, error: Error) => [attempt, delayMs, error]);
client.on('reconnect', (attempt: number) => attempt);
client.on('end', (error?: Error) => error);
client.on('unsent', (messages: (string | Uint8Array)[]) => messages.length);
client.on('bye', (bye) => [bye.reason, bye.retryAfterMs]);
// @ts-expect-error reconnecting gets the attempt number first
client.on('reconnecting', (error: Error) => error);
// @ts-expect-error unknown reconnect option
new ChatClient({ reconnect: { delay: 5 } });
// @ts-expect-error heartbeatTimeout is a number, 'auto' or false
new ChatClient({ heartbeatTimeout: 'sometimes' });

// --- The event maps themselves ---
const listener: HubEvents['message'] = (message, from) => [message.trim(), from.id];
// @ts-expect-error HubEvents<Buffer> listeners get Buffers
const wrong: HubEvents<Buffer>['message'] = (message: string) => message;

export { listener, wrong };

// --- listen(): a TCP listen resolves with a port, a Unix socket listen with a path ---
void hub.listen({ port: 0 }).then((address) => address.port);
void hub.listen({ path: '/tmp/chat.sock' }).then((address) => address.path);
void hub.listen({ path: '/tmp/chat.sock' }).then((address) => {
  // @ts-expect-error a Unix socket address has no port
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- the error above is the point
  return address.port;
});
