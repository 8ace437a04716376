/**
 * The few methods of Node's `EventEmitter` that the browser client needs (`on`, `once`, `off`,
 * `emit`, `listenerCount`), typed per event, with no Node module. A listener that throws is
 * reported to the page (`reportError`) and does not stop the others, nor the client.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventSignatures = Record<string, (...args: any[]) => void>;

/** A typed event emitter for browsers. */
export class Emitter<Events extends EventSignatures> {
  private readonly listeners = new Map<keyof Events, { listener: Events[keyof Events]; once: boolean }[]>();

  /** Adds `listener` for `event`. */
  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.add(event, listener, false);
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    return this.add(event, listener, true);
  }

  /** Removes `listener` (its most recent registration) from `event`. */
  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    const list = this.listeners.get(event);
    if (list === undefined) return this;
    for (let index = list.length - 1; index >= 0; index -= 1) {
      if (list[index]?.listener === listener) {
        list.splice(index, 1);
        break;
      }
    }
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls the listeners of `event` in order; returns whether there were any. */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): boolean {
    const list = this.listeners.get(event);
    if (list === undefined) return false;
    for (const entry of [...list]) {
      if (entry.once) this.off(event, entry.listener as Events[E]);
      try {
        entry.listener(...args);
      } catch (error) {
        report(error);
      }
    }
    return true;
  }

  private add<E extends keyof Events>(event: E, listener: Events[E], once: boolean): this {
    if (typeof listener !== 'function') throw new TypeError(`the listener of '${String(event)}' must be a function`);
    const list = this.listeners.get(event) ?? [];
    list.push({ listener, once });
    this.listeners.set(event, list);
    return this;
  }
}

/** Reports a listener's exception as an uncaught one, without unwinding the client. */
function report(error: unknown): void {
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof reportError === 'function') reportError(error);
  else
    setTimeout(() => {
      throw error;
    }, 0);
}
