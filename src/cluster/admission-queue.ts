// Requests wait here when every eligible backend is at its connection cap.
// Bounded in size and in time: a full queue or a wait past the timeout
// answers 503 instead of piling up work.
export interface Waiter {
  /** A backend freed up; the waiter should try to pick again. Returns false if it could not. */
  retryAdmission(): boolean;
  /** Waited too long. */
  onQueueTimeout(): void;
  /** Set when the client left while waiting. */
  readonly abandoned: boolean;
}

interface Entry {
  waiter: Waiter;
  timer: NodeJS.Timeout;
}

export class AdmissionQueue {
  private entries: Entry[] = [];
  private head = 0;

  constructor(
    private size: number,
    private timeoutMs: number,
  ) {}

  /** New limits apply to requests that arrive from now on. */
  configure(size: number, timeoutMs: number): void {
    this.size = size;
    this.timeoutMs = timeoutMs;
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  /** False when the queue is full (or has no room at all). */
  enqueue(waiter: Waiter): boolean {
    if (this.length >= this.size) return false;
    const entry: Entry = {
      waiter,
      timer: setTimeout(() => {
        this.remove(entry);
        waiter.onQueueTimeout();
      }, this.timeoutMs),
    };
    this.entries.push(entry);
    return true;
  }

  /** Offers freed capacity to waiters in arrival order until one cannot use it. */
  drain(): void {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!;
      if (entry.waiter.abandoned) {
        this.shift(entry);
        continue;
      }
      if (!entry.waiter.retryAdmission()) return;
      this.shift(entry);
    }
  }

  /** A waiter gives its place up (its client left): the place is free for the next one at once. */
  leave(waiter: Waiter): void {
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.waiter !== waiter) continue;
      clearTimeout(entry.timer);
      this.entries.splice(i, 1);
      return;
    }
  }

  private shift(entry: Entry): void {
    clearTimeout(entry.timer);
    this.head++;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private remove(entry: Entry): void {
    const at = this.entries.indexOf(entry, this.head);
    if (at === -1) return;
    this.entries.splice(at, 1);
  }

  /** Answers every waiter with a timeout (used at shutdown). */
  clear(): void {
    const pending = this.entries.slice(this.head);
    this.entries = [];
    this.head = 0;
    for (const entry of pending) {
      clearTimeout(entry.timer);
      if (!entry.waiter.abandoned) entry.waiter.onQueueTimeout();
    }
  }
}
