import type { ConnectOptions, Member, Transport } from './transport.js';

/** Opens `count` members, at most `concurrency` handshakes at a time, in index order. */
export async function connectAll(
  transport: Transport,
  count: number,
  options: (index: number) => ConnectOptions,
  concurrency = 64,
): Promise<Member[]> {
  const members = new Array<Member | undefined>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      members[index] = await transport.connect(options(index));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (error) {
    for (const member of members) member?.close();
    throw error;
  }
  return members as Member[];
}

/** Closes every member. */
export function closeAll(members: readonly Member[]): void {
  for (const member of members) member.close();
}
