import { parseFarewellLine } from './farewell.js';

/**
 * A line as relayed to text peers, made unable to pass for the hub's farewell: a line that
 * `parseFarewellLine` would accept (`* server shutting down; reconnect in 600 s`, `*
 * disconnected: kicked (closed by the server)`) gets a `\` in front, so that only the hub,
 * which writes its farewell without this step, can say goodbye. Every other line is returned
 * as it is, after one character test for most. A reader strips one `\r` before the line's
 * `\n`, so the test does too.
 */
export function defuseFarewellLine(line: string): string {
  if (line.charCodeAt(0) !== 0x2a) return line;
  const read = line.endsWith('\r') ? line.slice(0, -1) : line;
  return parseFarewellLine(read) === undefined ? line : `\\${line}`;
}
