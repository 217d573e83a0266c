// Timeouts without a timer per request. A connection only writes the time
// its current phase must end by (connect, response head, body silence,
// keep-alive idle); one shared, unref'd interval sweeps the pools that have
// connections and expires what is overdue. Arming a deadline is an
// assignment, which matters at tens of thousands of requests per second.
//
// Deadlines are computed from a clock the sweep advances, so arming one does
// not even read the time: `deadlineIn(ms)` adds one tick of slack to the
// clock's staleness. A deadline thus fires between 0 and 2 ticks late, never
// early; the tick is a tenth of the shortest timeout in use (5 to 250 ms).
import { performance } from 'node:perf_hooks';

export interface Sweepable {
  /** Expires every connection whose deadline is at or before `now`. */
  sweep(now: number): void;
}

const MAX_TICK_MS = 250;
const MIN_TICK_MS = 5;

class Sweeper {
  private readonly members = new Set<Sweepable>();
  private timer: NodeJS.Timeout | undefined;
  private tickMs = MAX_TICK_MS;
  /** performance.now() at the last tick (or start). */
  private now = performance.now();

  /** The time by which a deadline `ms` from now has surely passed. */
  deadlineIn(ms: number): number {
    return this.now + ms + this.tickMs;
  }

  /** Starts sweeping `member`; `shortestMs` is the shortest timeout it will arm. */
  add(member: Sweepable, shortestMs: number): void {
    this.members.add(member);
    this.require(shortestMs);
    if (this.timer === undefined) this.start();
  }

  delete(member: Sweepable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.tickMs = MAX_TICK_MS;
    }
  }

  /** Makes sure a timeout of `ms` is honoured with a tenth of its length as precision. */
  require(ms: number): void {
    const wanted = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, Math.floor(ms / 10)));
    if (wanted >= this.tickMs) return;
    this.tickMs = wanted;
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.start();
    }
  }

  private start(): void {
    this.now = performance.now();
    this.timer = setInterval(this.tick, this.tickMs);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    const now = (this.now = performance.now());
    for (const member of this.members) member.sweep(now);
  };
}

export const sweeper = new Sweeper();
