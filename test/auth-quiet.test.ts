import { describe, expect, it } from 'vitest';
import { ChatClient, type AuthRequest } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function raw(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

describe('credentials are never told to the room', () => {
  it('a ChatClient with a token, on a hub that asks for none: the token is dropped, not relayed', async () => {
    const { hub, port } = await startHub(track, { framing: 'line' });
    const listener = await raw(port);
    await eventually(() => hub.clients.size === 1);
    const client = track(new ChatClient({ host: '127.0.0.1', port, token: 'hunter2', reconnect: false }), (c) => c.close());
    await client.connect();
    client.send('hello, no secret here');
    await listener.until((received) => received.toString().includes('hello, no secret here'));
    expect(listener.text).toBe('hello, no secret here\n');
  });

  it('a hub with a hook gets the token without its /auth prefix, and an nc user may still type the bare token', async () => {
    const seen: (string | undefined)[] = [];
    const { hub, port } = await startHub(track, {
      authenticate: ({ credentials }: AuthRequest) => {
        seen.push(credentials);
        return credentials === 'hunter2';
      },
    });
    const client = track(new ChatClient({ host: '127.0.0.1', port, token: 'hunter2', reconnect: false }), (c) => c.close());
    await client.connect();
    const nc = await raw(port);
    nc.write('hunter2\n');
    await eventually(() => hub.clients.size === 2, 5000, 'both let in');
    expect(seen).toEqual(['hunter2', 'hunter2']);
  });
});

describe('a connection at the gate hears nothing but its verdict', () => {
  it('a JSON peer sending garbage while an async hook decides gets no error envelopes before it is let in', async () => {
    let letIn: (value: boolean) => void = () => undefined;
    const { hub, port } = await startHub(track, {
      framing: 'json',
      authenticate: () =>
        new Promise<boolean>((resolve) => {
          letIn = resolve;
        }),
    });
    const peer = await raw(port);
    // In one write, so that the garbage is decoded with the hello, before reading stops.
    peer.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'ada', token: 't' })}\n{"not": "an envelope"}\nnot json at all\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(peer.text).toBe('');
    letIn(true);
    await eventually(() => hub.clients.size === 1, 2000, 'ada let in');
    await peer.until((received) => received.toString().includes('"type":"system"'));
    // The first thing it hears is its welcome; what it sent meanwhile is judged once it is in.
    expect(JSON.parse(peer.text.split('\n')[0] ?? '')).toMatchObject({ type: 'system' });
  });
});
