import type { ClusterAdapter } from '../../cluster/adapter.js';
import { FallbackHistoryStore } from './fallback-history-store.js';
import type { ResolvedHistory } from './history-options.js';
import { MemoryHistoryStore } from './memory-history-store.js';

/**
 * The hub's history with its adapter's store, when the hub keeps history, was given no store
 * of its own and the adapter has one: the broker's, with the hub's memory (within the same
 * limits) behind it for outages. Otherwise `history` as it is.
 * @internal
 */
export function brokerHistory(history: ResolvedHistory | undefined, adapter: ClusterAdapter | undefined, report: (error: Error) => void): ResolvedHistory | undefined {
  if (history === undefined || history.store !== undefined || adapter?.historyStore === undefined) return history;
  const limits = { messages: history.messages, maxAge: history.maxAge, totalBytes: history.totalBytes };
  const store = adapter.historyStore(limits, report);
  if (store === undefined) return history;
  return { ...history, store: new FallbackHistoryStore(store, new MemoryHistoryStore(history), report) };
}
