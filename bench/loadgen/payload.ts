/**
 * The benchmark message: a fixed-size payload whose first 13 bytes name the sender (4
 * decimal digits) and its sequence number (9 digits), followed by a deterministic filler
 * (`a`..`z` repeating, no newline, nothing JSON must escape). Fixed sizes let receivers find
 * frame boundaries without scanning and check completeness byte-exactly.
 */

/** Bytes before the filler. */
export const HEADER_BYTES = 13;
/** Sender id of the join-barrier messages that every receiver ignores (see `sync.ts`). */
export const SYNC_SENDER = 9999;
/** Largest sequence number the header holds. */
export const MAX_SEQ = 999_999_999;

const ZERO = 0x30;

/** A payload with a zero header and the filler, to copy messages from and check them against. */
export function payloadTemplate(payloadBytes: number): Buffer {
  if (payloadBytes < HEADER_BYTES + 2) throw new RangeError(`payload must be at least ${HEADER_BYTES + 2} bytes`);
  const template = Buffer.alloc(payloadBytes, ZERO);
  for (let i = HEADER_BYTES; i < payloadBytes; i += 1) template[i] = 0x61 + (i % 26);
  return template;
}

/** Writes message (`sender`, `seq`) at `offset` of `target`. */
export function writePayload(target: Buffer, offset: number, template: Buffer, sender: number, seq: number): void {
  template.copy(target, offset);
  writeDigits(target, offset, 4, sender);
  writeDigits(target, offset + 4, 9, seq);
}

/** The sender id of the payload at `offset`, or -1 if the header is not digits. */
export function readSender(source: Buffer, offset: number): number {
  return readDigits(source, offset, 4);
}

/** The sequence number of the payload at `offset`, or -1 if the header is not digits. */
export function readSeq(source: Buffer, offset: number): number {
  return readDigits(source, offset + 4, 9);
}

function writeDigits(target: Buffer, offset: number, width: number, value: number): void {
  let rest = value;
  for (let i = offset + width - 1; i >= offset; i -= 1) {
    target[i] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}

function readDigits(source: Buffer, offset: number, width: number): number {
  let value = 0;
  for (let i = offset; i < offset + width; i += 1) {
    const digit = (source[i] ?? 0) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
