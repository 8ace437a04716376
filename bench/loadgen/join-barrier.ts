import { SYNC_SENDER } from './payload.js';
import type { Inbox } from './inbox.js';
import { sleep, type Member } from './transport.js';

/**
 * Waits until the server relays to every inbox. A finished TCP handshake does not mean the
 * server has taken the connection yet, so `sender` repeats a sync message (which inboxes
 * ignore apart from noting it) until each has seen one; anything sent afterwards then
 * reaches every receiver.
 */
export async function joinBarrier(sender: Member, inboxes: readonly Inbox[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let attempt = 0;
  while (inboxes.some((inbox) => !inbox.synced)) {
    if (Date.now() > deadline) {
      const missing = inboxes.filter((inbox) => !inbox.synced).length;
      throw new Error(`${missing} of ${inboxes.length} receivers were never reached`);
    }
    sender.send(SYNC_SENDER, attempt, 1);
    attempt += 1;
    await sleep(attempt < 10 ? 5 : 50);
  }
}
