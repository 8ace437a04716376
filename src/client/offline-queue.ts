import { OfflineQueueFullError } from '../errors.js';
import { count } from './option-checks.js';

/** Default `maxOfflineMessages`: how many messages `send()` may queue while reconnecting. */
export const DEFAULT_MAX_OFFLINE_MESSAGES = 100;
/** Default `maxOfflineBytes`: how many (encoded) bytes `send()` may queue while reconnecting (1 MiB). */
export const DEFAULT_MAX_OFFLINE_BYTES = 1024 * 1024;

/**
 * Messages sent while a client is reconnecting, in order, bounded by count and by bytes.
 * Messages are kept as given and encoded when flushed, so that a connection whose framing is
 * only known once it is up (`auto`) frames them right; `bytes` is their size as encoded when
 * queued, which is what the limit counts.
 */
export class OfflineQueue<M> {
  private items: { message: M; bytes: number }[] = [];
  private totalBytes = 0;
  private readonly maxMessages: number;
  private readonly maxBytes: number;

  constructor(maxMessages: number, maxBytes: number) {
    this.maxMessages = count('maxOfflineMessages', maxMessages);
    this.maxBytes = count('maxOfflineBytes', maxBytes);
  }

  /** Messages waiting. */
  get length(): number {
    return this.items.length;
  }

  /** Encoded bytes waiting. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Queues `message` of `bytes` encoded bytes, or throws an `OfflineQueueFullError` and queues
   * nothing. The policy is to refuse the newest rather than drop the oldest: the caller is
   * still there to be told, whereas a dropped old message would be lost without a word.
   */
  push(message: M, bytes: number): void {
    if (this.items.length + 1 > this.maxMessages) throw new OfflineQueueFullError(this.items.length, this.totalBytes, `${this.maxMessages} messages`);
    if (this.totalBytes + bytes > this.maxBytes) throw new OfflineQueueFullError(this.items.length, this.totalBytes, `${this.maxBytes} bytes`);
    this.items.push({ message, bytes });
    this.totalBytes += bytes;
  }

  /** Empties the queue and returns what it held, oldest first. */
  take(): M[] {
    const messages = this.items.map((item) => item.message);
    this.items = [];
    this.totalBytes = 0;
    return messages;
  }
}
