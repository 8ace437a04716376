/**
 * `text` parsed as a JSON object, or `undefined` when it is not JSON or not an object (an array,
 * a string, `null`...): the first check of anything read from a peer, a broker or a store,
 * none of which is trusted to be well formed.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
