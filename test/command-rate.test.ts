import { describe, expect, it } from 'vitest';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function raw(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

describe('commandRate', () => {
  it('leaves a plain hub with no commands alone: 200 lines starting with / are all relayed', async () => {
    const { hub, port } = await startHub(track, { framing: 'line' });
    const [sender, receiver] = [await raw(port), await raw(port)];
    await eventually(() => hub.clients.size === 2);
    sender.write(Array.from({ length: 200 }, (_, index) => `/path/${index}\n`).join(''));
    await receiver.until(() => receiver.newlines >= 200);
    expect(receiver.text.split('\n').filter((line) => line !== '')).toHaveLength(200);
  });

  it('on a chat hub, answers a burst of commands, then drops the rest and says so once', async () => {
    const { hub, port } = await startHub(track, { chat: true, commandRate: { burst: 5, rate: 0.001 } });
    const asker = await raw(port);
    await eventually(() => hub.clients.size === 1);
    await asker.until((received) => received.toString().includes('welcome'));
    asker.write('/rooms\n'.repeat(20));
    await asker.until((received) => received.toString().includes('too many commands'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = asker.text.split('\n');
    expect(lines.filter((line) => line.startsWith('* rooms'))).toHaveLength(5);
    expect(lines.filter((line) => line.includes('too many commands'))).toHaveLength(1);
  });
});
