/**
 * The recovery bookkeeping both JSON clients share (src/protocol/recovery-marks.ts), without
 * sockets: where a recovery starts, and the bounded memory of ids that drops a message sent again.
 */
import { describe, expect, it } from 'vitest';
import { RecoveryMarks, SEEN_IDS_PER_ROOM } from '../src/protocol/recovery-marks.js';
import { SEEN_IDS_PER_ROOM as JSON_CLIENT_BOUND } from '../src/client/json-chat-client.js';

describe('RecoveryMarks', () => {
  it('starts a room’s recovery where the client came in, then at the last message seen', () => {
    const marks = new RecoveryMarks();
    expect(marks.after('dev')).toBeUndefined();
    marks.cameIn('dev', '');
    expect(marks.after('dev')).toBe('');
    expect(marks.firstInRoom('dev', 'h-1')).toBe(true);
    // A later join's `last` does not move it back.
    marks.cameIn('dev', 'h-0');
    expect(marks.after('dev')).toBe('h-1');
    expect(marks.firstDirect('h-2')).toBe(true);
    expect(marks.afterDirect).toBe('h-2');
    // Leaving forgets the room: what is said there meanwhile is not the client's to recover.
    marks.left('dev');
    expect(marks.after('dev')).toBeUndefined();
    expect(marks.firstInRoom('dev', 'h-1')).toBe(true);
  });

  it('drops an id seen already, per room and for direct messages, remembering the last SEEN_IDS_PER_ROOM of each', () => {
    expect(JSON_CLIENT_BOUND).toBe(SEEN_IDS_PER_ROOM);
    const marks = new RecoveryMarks();
    expect(marks.firstInRoom('dev', 'x')).toBe(true);
    expect(marks.firstInRoom('dev', 'x')).toBe(false);
    // The same id elsewhere is another message's.
    expect(marks.firstInRoom('lobby', 'x')).toBe(true);
    expect(marks.firstDirect('x')).toBe(true);
    expect(marks.firstDirect('x')).toBe(false);
    // A repeat is dropped without moving where a recovery starts.
    expect(marks.firstInRoom('dev', 'y')).toBe(true);
    expect(marks.firstInRoom('dev', 'x')).toBe(false);
    expect(marks.after('dev')).toBe('y');
    for (let index = 0; index < SEEN_IDS_PER_ROOM - 1; index += 1) expect(marks.firstInRoom('dev', `n-${index}`)).toBe(true);
    // x, the oldest, has just been forgotten; y, the next, is still remembered.
    expect(marks.firstInRoom('dev', 'y')).toBe(false);
    expect(marks.firstInRoom('dev', 'x')).toBe(true);
  });
});
