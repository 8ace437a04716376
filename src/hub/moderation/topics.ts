import { inertText } from '../../protocol/inert-text.js';

/** A room's topic, as `hub.moderation.topic(room)` gives it. */
export interface RoomTopic {
  readonly room: string;
  /** The topic; never empty (clearing a topic removes it). */
  readonly text: string;
  /** Who set it: an operator's nickname, or `server` for the application. */
  readonly by: string;
  /** When, in ms since the epoch. */
  readonly setAt: number;
}

/** Longest topic, in characters: what fits an IRC 332 line with a long channel name. */
export const MAX_TOPIC_LENGTH = 300;
/** Most rooms with a topic at once: topics of rooms nobody is in go first when it is reached. */
export const MAX_TOPICS = 10_000;

/**
 * The rooms' topics, bounded in length and number. Text is made inert (no line breaks,
 * control or invisible format characters) once, here, so every protocol can show it.
 * @internal
 */
export class TopicBook {
  private readonly topics = new Map<string, RoomTopic>();
  /**
   * Topics cleared lately, by whom and when (at most `MAX_TOPICS`, oldest forgotten first): in a
   * cluster, a hub that missed the clearing may still tell the old topic; the newer wins.
   */
  private readonly cleared = new Map<string, { readonly by: string; readonly setAt: number }>();

  /** The topic of `room`, if it has one. */
  get(room: string): RoomTopic | undefined {
    return this.topics.get(room);
  }

  /** Every topic, for a hub that joins the cluster; cleared ones lately with `text: ''`. */
  all(): { room: string; text: string; by: string; setAt: number }[] {
    return [...this.topics.values(), ...[...this.cleared].map(([room, clear]) => ({ room, text: '', ...clear }))];
  }

  /** When the topic of `room` was set or cleared, as far as this hub knows. */
  changedAt(room: string): number | undefined {
    return this.topics.get(room)?.setAt ?? this.cleared.get(room)?.setAt;
  }

  /**
   * Sets (or with blank text clears) the topic of `room`; returns it, or `undefined` when
   * cleared. `isEmpty(room)` says whether a room has nobody in it, for making room when full.
   * `setAt` is when it was set: now, or, for a topic from another hub, when that hub set it.
   */
  set(room: string, text: string, by: string, isEmpty: (room: string) => boolean, setAt = Date.now()): RoomTopic | undefined {
    const clean = inertText(text).trim().slice(0, MAX_TOPIC_LENGTH);
    this.cleared.delete(room);
    if (clean === '') {
      this.topics.delete(room);
      this.cleared.set(room, { by, setAt });
      if (this.cleared.size > MAX_TOPICS) this.cleared.delete(this.cleared.keys().next().value ?? room);
      return undefined;
    }
    if (!this.topics.has(room) && this.topics.size >= MAX_TOPICS) {
      for (const name of this.topics.keys()) {
        if (isEmpty(name)) {
          this.topics.delete(name);
          break;
        }
      }
      if (this.topics.size >= MAX_TOPICS) throw new RangeError(`at most ${MAX_TOPICS} rooms may have a topic`);
    }
    const topic: RoomTopic = { room, text: clean, by, setAt };
    this.topics.set(room, topic);
    return topic;
  }
}
