/**
 * Whether a client should stop reading from the hub because a `for await` loop fell behind.
 * A count, not a flag: each full iterator holds the gate, and reading resumes only once the
 * last of them lets go. `onChange` runs when it becomes held and when it is released.
 */
export class ReadGate {
  private holders = 0;
  private readonly onChange: () => void;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  /** Whether some iterator is full. */
  get held(): boolean {
    return this.holders > 0;
  }

  /** An iterator is full. */
  hold(): void {
    this.holders += 1;
    if (this.holders === 1) this.onChange();
  }

  /** An iterator that held the gate has room again, or is gone. */
  release(): void {
    if (this.holders === 0) return;
    this.holders -= 1;
    if (this.holders === 0) this.onChange();
  }
}
