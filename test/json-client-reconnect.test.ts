import { describe, expect, it } from 'vitest';
import { JsonChatClient, type BroadcastHub, type ChatMessage, type ClientEnvelope, type HubOptions, type JsonChatClientOptions } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';

const track = closeAfterEach();

/** A JSON hub, on `port` when given (a restart on the same port), else on a free one. */
function jsonHub(options: HubOptions = {}, port = 0): Promise<{ hub: BroadcastHub; port: number }> {
  return startHub(track, { framing: 'json', ...options }, { port });
}

async function jsonClient(port: number, options: JsonChatClientOptions = {}): Promise<JsonChatClient> {
  const client = track(new JsonChatClient({ host: '127.0.0.1', port, ...options }), (c) => c.close());
  await client.connect();
  return client;
}

/** A hub shutdown that tells clients to come back at once (the default spreads them over seconds). */
const fast = { retryAfter: 0, retryJitter: 0 };

/** Short, fixed delays: these tests are about what is restored, not about the schedule. */
const quick = { reconnect: { retryStrategy: (): number => 20 } };

describe('JsonChatClient reconnect', () => {
  it('restores its nickname and rooms after the hub restarts, then emits connect and reconnect', async () => {
    const first = await jsonHub();
    const alice = await jsonClient(first.port, { nick: 'alice', ...quick });
    for (const room of ['dev', 'ops']) {
      const joined = nextEvent(alice, 'join');
      alice.join(room);
      await joined;
    }
    // Talk in dev again: the room talked in must come back too, not just the set of rooms.
    alice.join('dev');
    expect(alice.room).toBe('dev');
    await eventually(() => [...first.hub.clients][0]?.room === 'dev', 2000, 'the hub to switch alice to dev');
    const events: string[] = [];
    alice.on('disconnect', () => events.push('disconnect'));
    alice.on('reconnecting', (attempt) => events.push(`reconnecting:${attempt}`));
    alice.on('connect', (nick, room) => events.push(`connect:${nick}:${room}`));
    alice.on('reconnect', (attempt) => events.push(`reconnect:${attempt}`));
    const reconnecting = nextEvent<[number, number, Error]>(alice, 'reconnecting');
    // The hub's bye says when to come back; the client waits that long rather than its own 20 ms.
    await first.hub.close({ retryAfter: 100, retryJitter: 0 });
    expect((await reconnecting)[1]).toBe(100);
    expect(alice.isReconnecting).toBe(true);
    const second = await jsonHub({}, first.port);
    const [attempt] = await nextEvent<[number]>(alice, 'reconnect', 3000);
    expect(events.at(-2)).toBe('connect:alice:dev');
    expect(events.at(-1)).toBe(`reconnect:${attempt}`);
    expect(events[0]).toBe('disconnect');
    expect(alice.nick).toBe('alice');
    expect([...alice.rooms].sort()).toEqual(['dev', 'lobby', 'ops']);
    expect(alice.room).toBe('dev');
    // The new hub agrees: alice is alice, in dev and ops, and talks in dev.
    const [peer] = [...second.hub.clients];
    expect(peer?.nick).toBe('alice');
    expect([...(peer?.rooms ?? [])].sort()).toEqual(['dev', 'lobby', 'ops']);
    expect(peer?.room).toBe('dev');
    const bob = await jsonClient(second.port, { nick: 'bob' });
    const joined = nextEvent(bob, 'join');
    bob.join('dev');
    await joined;
    const heard = nextEvent<[ChatMessage]>(bob, 'message');
    alice.send('still here');
    expect((await heard)[0]).toMatchObject({ sender: 'alice', room: 'dev', text: 'still here' });
  });

  it('starts afresh when connected again after close(): the rooms are the new connection’s', async () => {
    const { port } = await jsonHub();
    const ada = await jsonClient(port, { nick: 'ada', reconnect: false });
    const joined = nextEvent(ada, 'join');
    ada.join('dev');
    await joined;
    expect([ada.room, [...ada.rooms]]).toEqual(['dev', ['lobby', 'dev']]);
    await ada.close();
    await ada.connect();
    expect([ada.nick, ada.room, [...ada.rooms]]).toEqual(['ada', 'lobby', ['lobby']]);
  });

  it('leaves the default room again if it had left it', async () => {
    const first = await jsonHub();
    const alice = await jsonClient(first.port, { nick: 'alice', ...quick });
    const joined = nextEvent(alice, 'join');
    alice.join('dev');
    await joined;
    const left = nextEvent(alice, 'leave');
    alice.leave('lobby');
    await left;
    expect([...alice.rooms]).toEqual(['dev']);
    const reconnecting = nextEvent(alice, 'reconnecting');
    await first.hub.close(fast);
    await reconnecting;
    const second = await jsonHub({}, first.port);
    await nextEvent(alice, 'reconnect', 3000);
    expect([...alice.rooms]).toEqual(['dev']);
    expect(alice.room).toBe('dev');
    expect([...([...second.hub.clients][0]?.rooms ?? [])]).toEqual(['dev']);
  });

  it('sends what was queued while reconnecting after the session is restored, in order', async () => {
    const first = await jsonHub();
    const alice = await jsonClient(first.port, { nick: 'alice', ...quick });
    const reconnecting = nextEvent(alice, 'reconnecting');
    await first.hub.close(fast);
    await reconnecting;
    expect(alice.send('one')).toBe(false);
    expect(alice.send('two')).toBe(false);
    alice.sendTo('bob', 'three');
    const second = await jsonHub({}, first.port);
    // bob is there before alice is back (her attempts are 20 ms apart, and she must be restored first).
    const bob = await jsonClient(second.port, { nick: 'bob' });
    const said: string[] = [];
    second.hub.on('message', (text, peer) => said.push(`${peer.nick}:${text}`));
    const heard: string[] = [];
    bob.on('message', (message) => heard.push(`${message.sender}:${message.text}`));
    bob.on('direct', (message) => heard.push(`dm ${message.sender}:${message.text}`));
    await nextEvent(alice, 'reconnect', 3000);
    await eventually(() => heard.length === 3, 2000, 'the queued messages');
    // Sent as alice (the hello went first), in the order they were queued.
    expect(heard).toEqual(['alice:one', 'alice:two', 'dm alice:three']);
    // The hub saw the hello (as /nick) before any of them.
    expect(said).toEqual([expect.stringMatching(/^guest-\d+:\/nick alice$/) as string, 'alice:one', 'alice:two', 'alice:/msg bob three']);
  });

  it('retries when its nickname is taken on return, and gets it once it is free', async () => {
    const first = await jsonHub();
    const alice = await jsonClient(first.port, { nick: 'alice', reconnect: { retryStrategy: () => 50 } });
    const reconnecting = nextEvent(alice, 'reconnecting');
    await first.hub.close(fast);
    await reconnecting;
    const second = await jsonHub({}, first.port);
    // Someone else takes the name first, as the old connection's ghost would on a hub that has not noticed it is gone.
    const squatter = await jsonClient(second.port, { nick: 'alice', reconnect: false });
    const refusal = await new Promise<Error>((resolve) => {
      alice.on('reconnecting', (_attempt, _delay, error) => {
        if ((error as { code?: string }).code === 'ERR_NAME_TAKEN') resolve(error);
      });
    });
    expect(refusal).toMatchObject({ code: 'ERR_NAME_TAKEN' });
    expect(alice.isConnected).toBe(false);
    await squatter.close();
    await nextEvent(alice, 'reconnect', 3000);
    expect(alice.nick).toBe('alice');
    await eventually(() => second.hub.clients.size === 1, 2000, 'the refused attempts to be gone');
    // Failed restores left no listener of theirs behind.
    expect((['system', 'nick', 'refused', 'join', 'leave'] as const).map((event) => alice.listenerCount(event))).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives up, rather than retry for ever, when the restarted hub refuses its credentials', async () => {
    const first = await jsonHub({ authenticate: ({ credentials }) => credentials === 'letmein' });
    const alice = await jsonClient(first.port, { nick: 'alice', token: 'letmein', ...quick });
    const reconnecting = nextEvent(alice, 'reconnecting');
    await first.hub.close(fast);
    await reconnecting;
    const ended = nextEvent<[Error | undefined]>(alice, 'end', 3000);
    await jsonHub({ authenticate: () => false }, first.port);
    const [error] = await ended;
    expect(error).toMatchObject({ code: 'ERR_RECONNECT_FAILED', cause: { code: 'ERR_AUTH_FAILED' } });
    expect(alice.isReconnecting).toBe(false);
  });

  it('hands back queued envelopes on unsent when closed while reconnecting', async () => {
    const first = await jsonHub();
    const alice = await jsonClient(first.port, { nick: 'alice', reconnect: { retryStrategy: () => 10_000 } });
    const reconnecting = nextEvent(alice, 'reconnecting');
    await first.hub.close(fast);
    await reconnecting;
    alice.send('lost?');
    const unsent = nextEvent<[ClientEnvelope[], Error]>(alice, 'unsent');
    const ended = nextEvent<[Error | undefined]>(alice, 'end');
    await alice.close();
    expect((await unsent)[0]).toEqual([{ v: 1, type: 'message', text: 'lost?' }]);
    expect(await ended).toEqual([]);
  });

  it('answers the hub heartbeat, so that a hub with a short interval keeps it', async () => {
    const { hub, port } = await jsonHub({ heartbeatInterval: 50 });
    const alice = await jsonClient(port, { nick: 'alice', ...quick });
    const events: string[] = [];
    alice.on('disconnect', (reason) => events.push(reason));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events).toEqual([]);
    expect(hub.clients.size).toBe(1);
    expect(alice.isConnected).toBe(true);
  });
});
