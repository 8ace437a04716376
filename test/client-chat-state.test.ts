/**
 * What JsonChatClient and BrowserChatClient both know of their place in the chat
 * (ClientChatState), without sockets: followed from the hub's envelopes, saved across a
 * reconnection, and turned into the hello and joins that restore it.
 */
import { describe, expect, it } from 'vitest';
import { chatMessageOf, historyStatusOf } from '../src/protocol/chat-messages.js';
import { ClientChatState, endsDirectRecovery, firstConnection } from '../src/protocol/client-chat-state.js';
import type { HubEnvelope } from '../src/protocol/envelope.js';

const welcome: HubEnvelope = { v: 1, type: 'system', text: 'welcome', nick: 'ada', room: 'lobby', session: 's-1', last: 'h-4', ts: 0 };

function followed(...envelopes: HubEnvelope[]): ClientChatState {
  const state = new ClientChatState({ token: 'secret', history: 0, recover: true });
  for (const envelope of envelopes) state.track(envelope);
  return state;
}

describe('ClientChatState', () => {
  it('follows its welcome, joins, leaves and new name, and no one else’s', () => {
    const state = followed(
      welcome,
      { v: 1, type: 'join', nick: 'ada', room: 'dev', last: 'h-9', ts: 0 },
      { v: 1, type: 'join', nick: 'bob', room: 'ops', ts: 0 },
      { v: 1, type: 'nick', from: 'bob', nick: 'rob', ts: 0 },
      { v: 1, type: 'nick', from: 'ada', nick: 'lovelace', ts: 0 },
    );
    expect([state.nick, state.room, [...state.rooms], state.defaultRoom, state.session]).toEqual(['lovelace', 'dev', ['lobby', 'dev'], 'lobby', 's-1']);
    state.track({ v: 1, type: 'leave', nick: 'lovelace', room: 'dev', ts: 0 });
    expect([state.room, [...state.rooms]]).toEqual(['lobby', ['lobby']]);
    // A second welcome-like notice (a reply naming someone) changes nothing once welcomed.
    state.track({ ...welcome, nick: 'mallory', room: 'elsewhere' });
    expect([state.nick, state.room]).toEqual(['lovelace', 'lobby']);
  });

  it('saves what to restore, forgets the connection, and says hello asking to recover from the last ids seen', () => {
    const state = followed(welcome, { v: 1, type: 'join', nick: 'ada', room: 'dev', last: 'h-9', ts: 0 });
    const saved = state.save('wanted');
    expect(saved).toEqual({ nick: 'ada', rooms: ['lobby', 'dev'], room: 'dev', session: 's-1', defaultRoom: 'lobby' });
    state.forgetConnection();
    expect([state.nick, state.room, state.rooms.size]).toEqual(['', '', 0]);
    expect(state.save('wanted').nick).toBe('wanted');
    expect(state.recovers(saved)).toBe(true);
    expect(state.hello(saved)).toEqual({ v: 1, type: 'hello', nick: 'ada', token: 'secret', session: 's-1', after: 'h-4' });
    expect(state.restoringJoin('dev', true)).toEqual({ v: 1, type: 'join', room: 'dev', after: 'h-9' });
    expect(state.restoringJoin('dev', false)).toEqual({ v: 1, type: 'join', room: 'dev' });
  });

  it('starts afresh on reset: no session to recover, and the ids seen before hide nothing', () => {
    const state = followed(welcome);
    expect(state.marks.firstInRoom('lobby', 'h-5')).toBe(true);
    expect(state.marks.firstInRoom('lobby', 'h-5')).toBe(false);
    state.reset();
    expect([state.nick, state.session, state.defaultRoom, state.rooms.size]).toEqual(['', undefined, '', 0]);
    expect(state.marks.firstInRoom('lobby', 'h-5')).toBe(true);
    expect(state.hello(state.save('ada'))).toEqual({ v: 1, type: 'hello', nick: 'ada', token: 'secret' });
  });

  it('asks for nothing to recover on a first connection, with recovery off, or without a session', () => {
    const plain = new ClientChatState({ token: undefined, history: 5, recover: true });
    expect(plain.hello(firstConnection(undefined))).toEqual({ v: 1, type: 'hello', history: 5 });
    const off = new ClientChatState({ token: undefined, history: 0, recover: false });
    off.track(welcome);
    const saved = off.save(undefined);
    expect(off.recovers(saved)).toBe(false);
    expect(off.hello(saved)).toEqual({ v: 1, type: 'hello', nick: 'ada' });
  });
});

describe('what clients make of envelopes', () => {
  it('makes messages and replay ends into the shapes their events carry', () => {
    expect(chatMessageOf({ v: 1, type: 'message', id: 'h-1', sender: 'bob', room: 'lobby', text: 'hi', ts: 5 })).toEqual({
      id: 'h-1',
      sender: 'bob',
      room: 'lobby',
      text: 'hi',
      time: new Date(5),
      action: false,
      history: false,
    });
    const end = { v: 1, type: 'system', text: 'replayed', replayed: 2, recovered: false, reason: 'too-old', ts: 0 } as const;
    expect(historyStatusOf(end)).toEqual({ room: undefined, replayed: 2, recovered: false, reason: 'too-old' });
    expect(endsDirectRecovery(end)).toBe(true);
    expect(endsDirectRecovery({ ...end, room: 'lobby' })).toBe(false);
    expect(historyStatusOf({ v: 1, type: 'system', text: 'hello', ts: 0 })).toBeUndefined();
  });
});
