import type { ClusterAdapter } from '../../cluster/adapter.js';
import { NameError } from '../../protocol/name-error.js';
import { nickProblem, nickTakenError } from '../../protocol/names.js';
import type { Peer } from '../peer.js';

/** What `claimAndRename` reads of the hub. */
interface NickHub<D> {
  findPeer(nick: string): Peer<D> | undefined;
}

/**
 * Renames `peer` to `nick` with the name unique across the cluster: checked here, against the
 * presence of the other hubs, then claimed atomically in the broker (which settles two hubs
 * racing for one name), and only then set. Throws a `NameError` when the name is invalid or
 * held anywhere, a `ClusterUnavailableError` when the broker cannot be asked.
 */
export async function claimAndRename<D>(hub: NickHub<D>, adapter: ClusterAdapter, peer: Peer<D>, nick: string): Promise<void> {
  const problem = nickProblem(nick);
  if (problem !== undefined) throw new NameError('ERR_INVALID_NAME', 'nickname', nick, problem);
  const holder = hub.findPeer(nick);
  if (holder !== undefined && holder !== peer) throw nickTakenError(nick, holder.nick);
  if (holder === peer) {
    // A change of case (or look) of one's own name keeps the same claim.
    peer.setNick(nick);
    return;
  }
  const remote = adapter.findNick(nick);
  if (remote !== undefined) throw nickTakenError(nick, remote.nick);
  if (!(await adapter.claimNick(nick))) throw taken(nick);
  // The claim belongs to the hub, not the peer: while it was in flight another peer of this
  // hub may have taken the name (then the claim is rightly theirs), or this one may have left.
  const now = hub.findPeer(nick);
  if (now !== undefined && now !== peer) throw nickTakenError(nick, now.nick);
  if (!peer.isOpen) {
    if (now === undefined) adapter.releaseNick(nick);
    return;
  }
  peer.setNick(nick);
}

function taken(nick: string): NameError {
  return new NameError('ERR_NAME_TAKEN', 'nickname', nick, 'is already taken');
}
