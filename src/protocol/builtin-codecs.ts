import { autoCodec } from './auto-codec.js';
import type { Codec } from './codec.js';
import { jsonCodec } from './json-codec.js';
import { lengthPrefixCodec } from './length-codec.js';
import { lineCodec } from './line-codec.js';
import { mixedCodec } from './mixed-codec.js';
import { rawCodec } from './raw-codec.js';

/** Names of the built-in text framings, whose messages are strings. */
export type TextFramingName = 'line' | 'raw' | 'auto' | 'json' | 'mixed';

/** Names of the built-in binary framings, whose messages are Buffers. */
export type BinaryFramingName = 'length';

/** Every built-in framing name. */
export type FramingName = TextFramingName | BinaryFramingName;

/**
 * What a `framing` option accepts for messages of type `T`: a built-in name of the right
 * kind, or a codec of your own.
 */
export type Framing<T> = Codec<T> | (T extends string ? TextFramingName : T extends Buffer ? BinaryFramingName : never);

const builtins: Readonly<Record<FramingName, Codec<string> | Codec<Buffer>>> = {
  line: lineCodec,
  raw: rawCodec,
  auto: autoCodec,
  json: jsonCodec,
  mixed: mixedCodec,
  length: lengthPrefixCodec,
};

/** The names `resolveCodec` accepts, for usage messages and validation. */
export const framingNames = Object.keys(builtins) as readonly FramingName[];

/** Turns a `framing` option into a codec; throws a `TypeError` for an unknown name. */
export function resolveCodec<T>(framing: Framing<T> | undefined): Codec<T> {
  if (framing === undefined) return lineCodec as unknown as Codec<T>;
  if (typeof framing !== 'string') return framing;
  if (!Object.hasOwn(builtins, framing)) {
    throw new TypeError(`unknown framing '${framing}'; expected one of ${framingNames.join(', ')} or a Codec`);
  }
  return builtins[framing] as unknown as Codec<T>;
}

/**
 * Whether peers of `codec` learn their framing from their first bytes (`auto`, `mixed`),
 * so that the hub should wait for that before greeting them.
 */
export function isAdaptiveCodec(codec: Codec<unknown>): boolean {
  return codec === (autoCodec as Codec<unknown>) || codec === (mixedCodec as Codec<unknown>);
}
