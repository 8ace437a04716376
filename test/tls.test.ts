import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions } from 'node:tls';
import { beforeAll, expect, it } from 'vitest';
import { BroadcastHub, ChatClient, ConnectError, JsonChatClient, type HubOptions, type RemoteEndpoint } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';

const track = closeAfterEach();
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  ({ key, cert } = selfSignedCertificate());
});

/** A hub serving TLS with the test's self-signed certificate. */
function tlsHub(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  return startHub(track, { tls: { key, cert }, ...options });
}

/** Resolves with the negotiated protocol, or rejects with the TLS error. */
function handshake(port: number, options: ConnectionOptions): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: cert, ...options }, () => {
      const protocol = socket.getProtocol();
      socket.destroy();
      resolve(protocol);
    });
    socket.once('error', (error: Error) => {
      socket.destroy();
      reject(error);
    });
  });
}

// What a client stuck on TLS 1.1 offers; OpenSSL 3 needs security level 0 to offer it at all.
const tls11Client: ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };

needs('openssl').describe('TLS', () => {
  it('relays chat between ChatClients over TLS with a self-signed certificate', async () => {
    const { hub, port } = await tlsHub();
    const alice = track(new ChatClient({ port, tls: { ca: cert }, reconnect: false }), (c) => c.close());
    const bob = track(new ChatClient({ port, tls: { ca: cert }, reconnect: false }), (c) => c.close());
    await alice.connect();
    await bob.connect();
    await eventually(() => hub.clients.size === 2);
    const received = nextEvent<[string]>(bob, 'message');
    alice.send('over tls');
    expect((await received)[0]).toBe('over tls');
  });

  it('negotiates TLS 1.2 or later, and refuses a TLS 1.1 client that a permissive server accepts', async () => {
    const { hub, port } = await tlsHub();
    expect(await handshake(port, {})).toMatch(/^TLSv1\.[23]$/);
    // A client that hangs up right after its handshake may be reported too (ECONNRESET): look for the refusal.
    const reported: [Error, RemoteEndpoint][] = [];
    hub.on('tlsClientError', (error, remote) => reported.push([error, remote]));
    await expect(handshake(port, tls11Client)).rejects.toThrow(/protocol/i);
    await eventually(() => reported.some(([error]) => (error as NodeJS.ErrnoException).code === 'ERR_SSL_UNSUPPORTED_PROTOCOL'), 2000, 'the refusal reported');
    expect(reported.find(([error]) => (error as NodeJS.ErrnoException).code === 'ERR_SSL_UNSUPPORTED_PROTOCOL')?.[1].address).toBe('127.0.0.1');
    expect(hub.clients.size).toBe(0);
    // The control: this client does speak TLS 1.1 to a server that allows it, so the refusal above is the hub's.
    const permissive = track(createTlsServer({ key, cert, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (socket) => socket.on('error', () => undefined)), (s) => new Promise((resolve) => s.close(resolve)));
    await new Promise<void>((resolve) => permissive.listen(0, '127.0.0.1', resolve));
    const permissivePort = (permissive.address() as { port: number }).port;
    expect(await handshake(permissivePort, tls11Client)).toBe('TLSv1.1');
  });

  it('refuses options that would allow less than TLS 1.2', () => {
    expect(() => new BroadcastHub({ tls: { key, cert, minVersion: 'TLSv1.1' } })).toThrow(RangeError);
    expect(() => new BroadcastHub({ tls: { key, cert, secureProtocol: 'TLSv1_method' } })).toThrow(TypeError);
    expect(() => new BroadcastHub({ tls: { key, cert }, server: createTlsServer({ key, cert }) })).toThrow(TypeError);
  });

  it('closes a connection that stalls its handshake within handshakeTimeout', async () => {
    const { hub, port } = await tlsHub({ handshakeTimeout: 200 });
    const reported = nextEvent<[Error, RemoteEndpoint]>(hub, 'tlsClientError');
    const started = Date.now();
    const silent = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await silent.waitClosed(3000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
    expect(((await reported)[0] as NodeJS.ErrnoException).code).toBe('ERR_TLS_HANDSHAKE_TIMEOUT');
  });

  it('drops a plain-text client that speaks no TLS, and keeps serving', async () => {
    const { hub, port } = await tlsHub();
    const reported = nextEvent<[Error, RemoteEndpoint]>(hub, 'tlsClientError');
    const plain = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    plain.write('hello, is this plain text?\n');
    await plain.waitClosed(2000);
    await reported;
    expect(await handshake(port, {})).toMatch(/^TLSv1\.[23]$/);
  });

  it('close() does not wait for handshakes in progress', async () => {
    const { hub, port } = await tlsHub();
    const silent = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await hub.close({ timeout: 500 });
    expect(Date.now() - started).toBeLessThan(1000);
    await silent.waitClosed(1000);
  });

  it('counts handshakes in progress against the connection caps', async () => {
    const { hub, port } = await tlsHub({ maxClients: 3, maxClientsPerAddress: 2 });
    const refused: string[] = [];
    hub.on('refused', (_address, reason) => refused.push(reason));
    // Two silent connections from one address hold handshakes open; a third from it is refused at once.
    const drop = (peer: RawPeer): void => {
      peer.destroy();
    };
    const silent = [track(await RawPeer.connect(port), drop), track(await RawPeer.connect(port), drop)];
    const third = track(await RawPeer.connect(port), drop);
    await third.waitClosed(1000);
    await eventually(() => refused.length === 1, 1000, 'the refusal');
    expect(refused).toEqual(['too-many-from-address']);
    // Refused, not also reported as a failed handshake.
    const handshakeErrors: Error[] = [];
    hub.on('tlsClientError', (error) => handshakeErrors.push(error));
    const fourth = track(await RawPeer.connect(port), drop);
    await fourth.waitClosed(1000);
    await eventually(() => refused.length === 2, 1000, 'the second refusal');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handshakeErrors).toEqual([]);
    // Once they are gone, a real client gets in.
    for (const peer of silent) peer.destroy();
    for (const peer of silent) await peer.waitClosed(1000);
    const alice = track(new ChatClient({ port, tls: { ca: cert }, reconnect: false }), (c) => c.close());
    await alice.connect();
    await eventually(() => hub.clients.size === 1);
  });

  it('a client that does not trust the certificate fails to connect with a ConnectError', async () => {
    const { port } = await tlsHub();
    const client = track(new ChatClient({ port, tls: true, reconnect: false }), (c) => c.close());
    const failure = await client.connect().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as Error).message).toMatch(/self[- ]signed/i);
  });

  it('serves on an existing tls.Server too, and reports its handshake failures', async () => {
    const server = createTlsServer({ key, cert, handshakeTimeout: 200 });
    // Closed after the hub (cleanup runs newest first): the hub never closes a server it was given.
    track(server, (s) => new Promise((resolve) => s.close(resolve)));
    const { hub, port } = await startHub(track, { server });
    expect(port).toBe((server.address() as { port: number }).port);
    const reported = nextEvent<[Error, RemoteEndpoint]>(hub, 'tlsClientError');
    const silent = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await silent.waitClosed(3000);
    await reported;
    const alice = track(new ChatClient({ port, tls: { ca: cert }, reconnect: false }), (c) => c.close());
    await alice.connect();
    await eventually(() => hub.clients.size === 1);
  });

  it('authenticates JSON clients over TLS', async () => {
    const { hub, port } = await tlsHub({ framing: 'json', authenticate: ({ credentials, tls }) => credentials === 's3cret' && tls?.protocol?.startsWith('TLSv1.') === true });
    const client = track(new JsonChatClient({ port, nick: 'alice', token: 's3cret', tls: { ca: cert }, reconnect: false }), (c) => c.close());
    await client.connect();
    expect(client.nick).toBe('alice');
    expect(hub.findPeer('alice')).toMatchObject({ nick: 'alice', isOpen: true });
  });
});
