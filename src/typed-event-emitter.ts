import { EventEmitter } from 'node:events';
import type TypedEmitter from 'typed-emitter';
import type { EventMap } from 'typed-emitter';

/**
 * Node's `EventEmitter` seen through `typed-emitter`, so that subclasses get listener
 * signatures checked at compile time. Costs nothing at run time: it is the same constructor.
 */
export const TypedEventEmitter = EventEmitter as unknown as new <Events extends EventMap>() => TypedEmitter<Events>;
