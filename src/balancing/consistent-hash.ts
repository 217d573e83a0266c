// Consistent hashing on a request key (header, cookie, query parameter, path
// or client address) over a Maglev table.
//
// The table covers every member of the pool, eligible or not. A key whose
// backend is not eligible (unhealthy, draining, weight 0) walks on to the
// next slots until it meets one that is, so only that backend's keys move,
// spread over the others, and they come back when it recovers. The table is
// rebuilt only when the set of member ids changes.
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
  /** Scratch space for sameIds, so the periodic check does not allocate. */
  private seen = new Uint8Array(0);
  private eligibleSource: readonly BackendView[] | undefined;
  private eligibleLength = -1;
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
    let found = this.lookup(eligible, hash);
    if (found === -2) {
      // An eligible entry did not match its member: the set changed in place.
      this.syncEligible(eligible, true);
      found = this.lookup(eligible, hash);
    }
    // Not reachable through the table (eligible backends missing from
    // `members`): still answer, stably for this key.
    return eligible[found >= 0 ? found : hash % eligible.length]!;
  }

  /**
   * Position in `eligible` for this key hash: the owner of its slot, or of
   * the next slots while owners are not eligible. A weight-0 owner is passed
   * over unless nothing else is found. -1 if none, -2 if the eligibility map
   * is stale.
   */
  private lookup(eligible: readonly B[], hash: number): number {
    const { ids, slots } = this.table!;
    const positions = this.eligiblePosition;
    const size = slots.length;
    let fallback = -1;
    let slot = hash % size;
    for (let steps = 0; steps < size; steps++) {
      const member = slots[slot]!;
      const position = positions[member]! - 1;
      if (position >= 0) {
        const backend = eligible[position];
        if (backend === undefined || backend.id !== ids[member]) return -2;
        if (backend.weight > 0) return position;
        if (fallback < 0) fallback = position;
      }
      slot = slot + 1 === size ? 0 : slot + 1;
    }
    return fallback;
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
    this.seen = new Uint8Array(ids.length);
    this.eligibleSource = undefined;
  }

  private syncEligible(eligible: readonly BackendView[], force = false): void {
    if (!force && eligible === this.eligibleSource && eligible.length === this.eligibleLength) return;
    const positions = this.eligiblePosition;
    positions.fill(0);
    for (let i = 0; i < eligible.length; i++) {
      const member = this.memberIndex.get(eligible[i]!.id);
      if (member !== undefined) positions[member] = i + 1;
    }
    this.eligibleSource = eligible;
    this.eligibleLength = eligible.length;
  }
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
