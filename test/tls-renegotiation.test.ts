import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { beforeAll, expect, it } from 'vitest';
import { type BroadcastHub, type DisconnectReason, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';

const track = closeAfterEach();
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  ({ key, cert } = selfSignedCertificate());
});

/** A line client over TLS 1.2, the last version that has renegotiation, connected and registered by `hub`. */
async function tls12Client(hub: BroadcastHub, port: number): Promise<TLSSocket> {
  const before = hub.clients.size;
  const socket = track(tlsConnect({ host: '127.0.0.1', port, ca: cert, maxVersion: 'TLSv1.2' }), (s) => s.destroy());
  socket.on('error', () => undefined);
  await nextEvent(socket, 'secureConnect');
  await eventually(() => hub.clients.size > before, 2000, 'the hub to register the client');
  return socket;
}

/** One renegotiation: `true` when it completed, `false` when the connection closed instead. */
function renegotiate(socket: TLSSocket): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('a renegotiation neither completed nor ended the connection within 5 s'));
    }, 5000);
    const closed = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    socket.once('close', closed);
    const started = socket.renegotiate({}, (error) => {
      clearTimeout(timer);
      socket.off('close', closed);
      resolve(error === null);
    });
    if (!started) {
      clearTimeout(timer);
      socket.off('close', closed);
      reject(new Error('renegotiation not possible on this connection'));
    }
  });
}

needs('openssl').describe('TLS renegotiation', () => {
  it('allows the renegotiations Node allows, and cuts the connection that goes on, with reason tls-renegotiation', async () => {
    const { hub, port } = await startHub(track, { tls: { key, cert } });
    const disconnects: [Peer, DisconnectReason, Error | undefined][] = [];
    hub.on('disconnect', (peer, reason, error) => disconnects.push([peer, reason, error]));
    const reported: Error[] = [];
    hub.on('clientError', (error) => reported.push(error));
    const bystander = await tls12Client(hub, port);
    const attacker = await tls12Client(hub, port);
    expect(attacker.getProtocol()).toBe('TLSv1.2');

    // Node's limit (tls.CLIENT_RENEG_LIMIT): three within ten minutes are an ordinary client's.
    for (let i = 0; i < 3; i += 1) expect(await renegotiate(attacker)).toBe(true);
    const relayed = nextEvent<[Buffer]>(bystander, 'data');
    attacker.write('still welcome\n');
    expect((await relayed)[0].toString()).toBe('still welcome\n');

    // Then it is an attack: before, the hub let 500 go by in under a second on one socket.
    let completed = 0;
    for (let i = 0; i < 50 && (await renegotiate(attacker)); i += 1) completed += 1;
    expect(completed).toBe(0);
    await eventually(() => disconnects.length === 1, 2000, 'the disconnect');
    const [, reason, error] = disconnects[0] ?? [];
    expect(reason).toBe('tls-renegotiation');
    expect((error as NodeJS.ErrnoException | undefined)?.code).toBe('ERR_TLS_SESSION_ATTACK');
    expect(reported.map((report) => (report.cause as NodeJS.ErrnoException | undefined)?.code)).toContain('ERR_TLS_SESSION_ATTACK');

    // The other client is untouched.
    expect(hub.clients.size).toBe(1);
    expect(bystander.destroyed).toBe(false);
  });
});
