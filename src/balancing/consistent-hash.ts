// Consistent hashing on a request key (header, cookie, query parameter, path
// or client address) over a Maglev table.
//
// The table covers every member of the pool, eligible or not. A key whose
// backend is not eligible (unhealthy, draining, weight 0) walks on to the
// next slots until it meets one that is, so only that backend's keys move,
// spread over the others, and they come back when it recovers. The table is
// rebuilt only when the set of member ids changes.
//
// The walk is resolved ahead, per eligible set, into `route` (slot → eligible
// position): a pick is one read whatever share of the pool is out, where
// walking could take about members/eligible steps, or the whole table when
// only weight-0 backends are left. Resolving costs one pass over the table,
// and only when eligibility or weight-0-ness actually changed, not on every
// new array (slow start publishes one per tick).
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { hashRequestKey, parseHashKey, type HashKey } from './hash-key.js';
import { buildMaglevTable, type MaglevTable } from './maglev.js';

export class ConsistentHashBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'consistent-hash';
  readonly hashKey: HashKey;

  private table: MaglevTable | undefined;
  private memberIndex = new Map<string, number>();
  private membersSource: readonly BackendView[] | undefined;
  private membersLength = -1;

  /** Member index → 1 + position in the eligible array; 0 = not eligible. */
  private eligiblePosition = new Int32Array(0);
  /** The same, as of the last `route` build, to tell whether it is stale. */
  private routedPosition = new Int32Array(0);
  /** Scratch space for sameIds, so the periodic check does not allocate. */
  private seen = new Uint8Array(0);
  private eligibleSource: readonly BackendView[] | undefined;
  private eligibleLength = -1;
  /** The eligible backends `route` points into, to spot in-place changes. */
  private refs: BackendView[] = [];
  /** Slot → position in the eligible array of the key's backend; -1 = none reachable. */
  private route = new Int32Array(0);
  /** Whether `route` leads only to weight > 0 backends (else only to weight 0 ones). */
  private routesPositive = true;
  private routeStale = true;
  private picksUntilVerify = 0;

  constructor(hashKey: string | HashKey = 'ip') {
    this.hashKey = typeof hashKey === 'string' ? parseHashKey(hashKey) : hashKey;
  }

  pick(eligible: readonly B[], request: RequestFacts, members?: readonly B[]): B {
    // Arrays may be changed in place; now and then assume they were.
    if (--this.picksUntilVerify <= 0) {
      this.membersSource = undefined;
      this.eligibleSource = undefined;
      this.picksUntilVerify = Math.max(256, 4 * eligible.length);
    }
    this.syncMembers(members ?? eligible);
    this.syncEligible(eligible);
    const hash = hashRequestKey(this.hashKey, request);
    let found = this.route[hash % this.route.length]!;
    if (found >= 0 && !this.current(eligible, found)) {
      // The set or a weight changed under the same array.
      this.syncEligible(eligible, true);
      found = this.route[hash % this.route.length]!;
    }
    // Not reachable through the table (eligible backends missing from
    // `members`): still answer, stably for this key.
    return eligible[found >= 0 ? found : hash % eligible.length]!;
  }

  /** Whether eligible[position] is still the backend, and weight class, routed to. */
  private current(eligible: readonly B[], position: number): boolean {
    const backend = eligible[position];
    return backend !== undefined && backend === this.refs[position] && backend.weight > 0 === this.routesPositive;
  }

  private syncMembers(members: readonly BackendView[]): void {
    if (members === this.membersSource && members.length === this.membersLength) return;
    this.membersSource = members;
    this.membersLength = members.length;
    if (this.table !== undefined && sameIds(members, this.memberIndex, this.seen)) return;
    const ids = [...new Set(members.map((member) => member.id))];
    this.table = buildMaglevTable(ids);
    this.memberIndex = new Map(this.table.ids.map((id, index) => [id, index]));
    this.eligiblePosition = new Int32Array(ids.length);
    this.routedPosition = new Int32Array(ids.length);
    this.routeStale = true;
    this.seen = new Uint8Array(ids.length);
    this.route = new Int32Array(this.table.slots.length);
    this.eligibleSource = undefined;
  }

  /**
   * Maps members to eligible positions; rebuilds `route` if that map, or
   * which eligible backends have weight > 0, differs from the one routed.
   */
  private syncEligible(eligible: readonly BackendView[], force = false): void {
    if (!force && eligible === this.eligibleSource && eligible.length === this.eligibleLength) return;
    const positions = this.eligiblePosition;
    positions.fill(0);
    let positives = 0;
    for (let i = 0; i < eligible.length; i++) {
      const backend = eligible[i]!;
      const member = this.memberIndex.get(backend.id);
      if (member === undefined) continue;
      // Weight-0 backends are marked negative: reached only if nothing else is.
      positions[member] = backend.weight > 0 ? i + 1 : -(i + 1);
      if (backend.weight > 0) positives++;
    }
    this.eligibleSource = eligible;
    this.eligibleLength = eligible.length;
    this.refs = eligible.slice();
    const routesPositive = positives > 0;
    if (!this.routeStale && routesPositive === this.routesPositive && sameArray(positions, this.routedPosition)) return;
    this.routeStale = false;
    this.routedPosition.set(positions);
    this.routesPositive = routesPositive;
    this.buildRoute(routesPositive);
  }

  /** route[slot] = first usable owner at or after `slot`, going round the table. */
  private buildRoute(positiveOnly: boolean): void {
    const { slots } = this.table!;
    const positions = this.eligiblePosition;
    const route = this.route;
    const size = slots.length;
    const usable = (slot: number): number => {
      const p = positions[slots[slot]!]!;
      return p > 0 || (p < 0 && !positiveOnly) ? Math.abs(p) - 1 : -1;
    };
    let last = size - 1;
    while (last >= 0 && usable(last) < 0) last--;
    if (last < 0) {
      route.fill(-1);
      return;
    }
    // Walk backwards from a usable slot, once round: each slot gets the
    // nearest usable owner ahead of it.
    let next = usable(last);
    for (let k = 0, slot = last; k < size; k++, slot = slot === 0 ? size - 1 : slot - 1) {
      const here = usable(slot);
      if (here >= 0) next = here;
      route[slot] = next;
    }
  }
}

function sameArray(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `members` holds exactly the ids of `index` (duplicates tolerated). */
function sameIds(members: readonly BackendView[], index: ReadonlyMap<string, number>, seen: Uint8Array): boolean {
  seen.fill(0);
  let distinct = 0;
  for (let i = 0; i < members.length; i++) {
    const at = index.get(members[i]!.id);
    if (at === undefined) return false;
    if (seen[at] === 0) {
      seen[at] = 1;
      distinct++;
    }
  }
  return distinct === index.size;
}
