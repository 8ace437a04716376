import { describe, expect, it } from 'vitest';
import { TextChatState } from '../src/cli/connect-text-state.js';

// What the text client follows of itself from a chat hub's notices (the default rendering),
// and what it asks for again after a reconnection. No sockets: lines in, state out.
const WELCOME = (nick: string, room = 'lobby'): string => `* welcome, ${nick}: you are in ${room}; /help lists the commands`;

describe('TextChatState', () => {
  it('knows nothing, and asks for nothing, before a chat hub welcomes it', () => {
    const state = new TextChatState(undefined);
    expect(state.read('* alice joined dev')).toBe(false);
    expect(state.isChat).toBe(false);
    expect(state.restoreCommands()).toEqual([]);
    expect(new TextChatState('alice').restoreCommands()).toEqual(['/nick alice']);
  });

  it('follows its own nickname and rooms, not the others', () => {
    const state = new TextChatState(undefined);
    expect(state.read(WELCOME('guest-1'))).toBe(true);
    expect([state.nick, state.room, state.defaultRoom]).toEqual(['guest-1', 'lobby', 'lobby']);
    expect(state.read('* bob is now known as alice')).toBe(false);
    expect(state.read('* guest-1 is now known as carol')).toBe(true);
    expect(state.read('* bob joined dev')).toBe(false);
    expect(state.read('* carol joined dev')).toBe(true);
    expect([state.nick, state.room, state.chosenNick]).toEqual(['carol', 'dev', 'carol']);
    // A second welcome on the same connection is someone's chat text.
    expect(state.read(WELCOME('mallory', 'evil'))).toBe(false);
    expect(state.read('* you are now talking in lobby')).toBe(true);
    expect(state.room).toBe('lobby');
    expect(state.read('* carol left lobby (bye)')).toBe(true);
    expect(state.room).toBe('dev');
  });

  it('asks again for its nickname, its rooms, and the room it talked in, last', () => {
    const state = new TextChatState('alice');
    for (const line of [WELCOME('guest-1'), '* guest-1 is now known as alice', '* alice joined dev', '* alice joined ops', '* you are now talking in lobby']) state.read(line);
    // Joining makes a room current: lobby, where alice talked, is joined again last to switch back to it.
    expect(state.restoreCommands()).toEqual(['/nick alice', '/join dev', '/join ops', '/join lobby']);
    state.read('* you are now talking in dev');
    expect(state.restoreCommands()).toEqual(['/nick alice', '/join ops', '/join dev']);
    state.read('* alice left lobby');
    expect(state.restoreCommands()).toEqual(['/nick alice', '/join ops', '/join dev', '/leave lobby']);

    // The new connection is welcomed again, under a guest name, before the commands take effect.
    state.reset();
    state.read(WELCOME('guest-7'));
    expect([state.nick, state.room]).toEqual(['guest-7', 'lobby']);
    state.read('* guest-7 is now known as alice');
    expect(state.nick).toBe('alice');
  });
});
