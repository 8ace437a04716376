import type { Codec } from './codec.js';

/**
 * A codec whose wire format carries structure (sender, room, type), such as `json`. In chat
 * mode the hub hands it envelope objects instead of rendered text, and its decoder hands
 * the hub validated envelopes instead of strings.
 */
export interface StructuredCodec<T> extends Codec<T> {
  /** Marks the codec as structured. */
  readonly structured: true;
}

/** Whether `codec` is a structured codec. */
export function isStructuredCodec(codec: Codec<unknown>): codec is StructuredCodec<unknown> {
  return (codec as Partial<StructuredCodec<unknown>>).structured === true;
}
