// Client timeouts without a timer per connection: each connection notes the
// clock time its phase began (or it last moved), and one unref'd interval
// per listener closes the ones that overstayed. The clock is read once a
// tick, so noting a time is an assignment on the hot path.
import { performance } from 'node:perf_hooks';

/** The time as of the last tick (performance.now() milliseconds). */
export const clock = { now: performance.now() };

export interface SweptConnection {
  sweep(now: number): void;
}

const MIN_TICK_MS = 10;
const MAX_TICK_MS = 250;

export class ConnectionSweep<C extends SweptConnection> {
  readonly connections = new Set<C>();
  private timer: NodeJS.Timeout | undefined;
  private tickMs = MAX_TICK_MS;

  /** Sweeps often enough that a timeout of `shortestMs` fires at most a tenth late. */
  precision(shortestMs: number): void {
    const tick = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, Math.floor(shortestMs / 10)));
    if (tick === this.tickMs) return;
    this.tickMs = tick;
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.start();
    }
  }

  add(connection: C): void {
    this.connections.add(connection);
    if (this.timer === undefined) this.start();
  }

  delete(connection: C): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private start(): void {
    clock.now = performance.now();
    this.timer = setInterval(this.tick, this.tickMs);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    const now = (clock.now = performance.now());
    for (const c of this.connections) c.sweep(now);
  };
}
