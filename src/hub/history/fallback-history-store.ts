import type { HistoryPage, HistoryQuery, HistorySize, HistoryStore, StoredEvent } from '../../cluster/history-store.js';
import type { MemoryHistoryStore } from './memory-history-store.js';

/**
 * A broker's history with the hub's own memory behind it: every event is kept in both (the
 * broker store writes in the background, and skips what other hubs wrote already), and a read
 * the broker cannot answer (down, too slow) is answered from memory, this hub's view. So an
 * outage degrades the history to what this hub saw, reported once per outage, and never ends
 * the chat. `size()` is the memory's: what this hub holds.
 * @internal
 */
export class FallbackHistoryStore implements HistoryStore {
  readonly shared: boolean;
  private readonly primary: HistoryStore;
  private readonly local: MemoryHistoryStore;
  private readonly report: (error: Error) => void;
  /** A read failed and none has succeeded since: one report per outage. */
  private failing = false;

  constructor(primary: HistoryStore, local: MemoryHistoryStore, report: (error: Error) => void) {
    this.primary = primary;
    this.local = local;
    this.report = report;
    this.shared = primary.shared === true;
    // Only when the broker's store has it: without, another hub's session recovers its rooms.
    if (primary.findSession !== undefined) {
      this.findSession = (token) =>
        (primary.findSession?.(token) ?? Promise.resolve(undefined)).catch((error: unknown) => {
          this.fail(error);
          throw error;
        });
    }
  }

  /** Where another hub's session keeps its direct messages, asked of the broker; a failure is reported, then thrown. */
  readonly findSession?: (token: string) => Promise<string | undefined>;

  append(key: string, event: StoredEvent, remote: boolean): void {
    this.local.append(key, event);
    try {
      this.primary.append(key, event, remote);
    } catch (error) {
      this.fail(error);
    }
  }

  read(key: string, query: HistoryQuery): HistoryPage | Promise<HistoryPage> {
    let page: HistoryPage | Promise<HistoryPage>;
    try {
      page = this.primary.read(key, query);
    } catch (error) {
      this.fail(error);
      return this.local.read(key, query);
    }
    return Promise.resolve(page).then(
      (answer) => {
        this.failing = false;
        return answer;
      },
      (error: unknown) => {
        this.fail(error);
        return this.local.read(key, query);
      },
    );
  }

  delete(key: string): void {
    this.local.delete(key);
    try {
      this.primary.delete(key);
    } catch (error) {
      this.fail(error);
    }
  }

  saveSession(token: string, logKey: string, ttlMs: number): void {
    try {
      this.primary.saveSession?.(token, logKey, ttlMs);
    } catch (error) {
      this.fail(error);
    }
  }


  last(key: string): string | undefined {
    try {
      return this.primary.last?.(key);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  size(): HistorySize {
    return this.local.size();
  }

  private fail(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    const cause = error instanceof Error ? error : new Error(String(error));
    this.report(new Error(`history store failed, answering from this hub's memory: ${cause.message}`, { cause }));
  }
}
