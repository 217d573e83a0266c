// Earliest-deadline-first weighted rotation: each backend's next turn is due
// 1/weight after its last one; a min-heap hands out the earliest. O(log n)
// per pick for any weights, fractional ones included.
//
// Weighted round robin falls back to it when no smooth-WRR table fits
// (fractional weights while slow start ramps, or a period too long to
// store). The trade-off: long-run shares are just as exact and turns are
// evenly spaced per backend, but the interleaving is not NGINX's sequence
// (5,1,1 repeats a a a b c a a here).

export class EdfSchedule {
  /** Virtual time of each backend's next turn. */
  private due = new Float64Array(0);
  private interval = new Float64Array(0);
  /** Min-heap of backend indices by (due, index). */
  private heap = new Int32Array(0);
  private count = 0;
  private ids: string[] = [];

  /**
   * Starts over with these weights (≤ 0 = never picked; at least one must be
   * positive). A backend already scheduled under the same id keeps how far
   * along it was towards its next turn, rescaled to its new weight, so a
   * slow-start ramp adjusts shares smoothly instead of resetting everyone.
   */
  reset(weights: ArrayLike<number>, ids: readonly string[]): void {
    const carried = new Map<string, number>();
    const now = this.count > 0 ? this.due[this.heap[0]!]! : 0;
    for (let h = 0; h < this.count; h++) {
      const i = this.heap[h]!;
      // Fraction of an interval still to wait; never negative.
      carried.set(this.ids[i]!, Math.max(0, (this.due[i]! - now) / this.interval[i]!));
    }
    const n = weights.length;
    this.due = new Float64Array(n);
    this.interval = new Float64Array(n);
    this.heap = new Int32Array(n);
    this.ids = ids.slice(0, n);
    this.count = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w > 0)) continue;
      this.interval[i] = 1 / w;
      // Newcomers start half an interval out, spreading their first turns.
      this.due[i] = (carried.get(ids[i]!) ?? 0.5) / w;
      this.heap[this.count++] = i;
    }
    for (let h = (this.count >> 1) - 1; h >= 0; h--) this.siftDown(h);
  }

  /** Forgets every backend, so a later `reset` carries nothing over. */
  clear(): void {
    this.count = 0;
  }

  /** The backend whose turn is due, scheduling its next turn. */
  next(): number {
    const i = this.heap[0]!;
    this.due[i]! += this.interval[i]!;
    this.siftDown(0);
    return i;
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const count = this.count;
    const item = heap[from]!;
    let h = from;
    for (;;) {
      let child = 2 * h + 1;
      if (child >= count) break;
      if (child + 1 < count && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, item)) break;
      heap[h] = heap[child]!;
      h = child;
    }
    heap[h] = item;
  }

  private before(a: number, b: number): boolean {
    const da = this.due[a]!;
    const db = this.due[b]!;
    return da < db || (da === db && a < b);
  }
}
