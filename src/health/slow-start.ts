// Slow start: a backend that recovers or is added ramps from about 10 % of
// its weight to all of it, linearly over the window, instead of taking a full
// share of traffic while its caches are cold.
import type { RampedMember } from './health-member.js';

const START_SHARE = 0.1;
const TICKS_PER_WINDOW = 20;

export class SlowStart {
  private timer: NodeJS.Timeout | undefined;
  private readonly ramping = new Set<RampedMember>();

  constructor(
    public windowMs: number,
    /** Called after weights changed, so the pool can publish a new eligible set. */
    private readonly onWeightsChanged: () => void,
  ) {}

  /** Starts the ramp for a backend that just became eligible again. */
  begin(backend: RampedMember): void {
    if (this.windowMs <= 0 || backend.configWeight <= 0) return;
    backend.rampStartedAt = Date.now();
    backend.weight = backend.configWeight * START_SHARE;
    this.ramping.add(backend);
    this.timer ??= setInterval(() => this.tick(), Math.max(50, Math.floor(this.windowMs / TICKS_PER_WINDOW)));
    this.timer.unref();
  }

  /** Ends a ramp at once (backend went away or weight changed by hand). */
  cancel(backend: RampedMember): void {
    if (!this.ramping.delete(backend)) return;
    backend.rampStartedAt = 0;
    backend.weight = backend.configWeight;
  }

  private tick(): void {
    const now = Date.now();
    for (const backend of this.ramping) {
      const progress = (now - backend.rampStartedAt) / this.windowMs;
      if (progress >= 1) {
        backend.weight = backend.configWeight;
        backend.rampStartedAt = 0;
        this.ramping.delete(backend);
      } else {
        backend.weight = backend.configWeight * (START_SHARE + (1 - START_SHARE) * progress);
      }
    }
    if (this.ramping.size === 0) this.stop();
    this.onWeightsChanged();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
