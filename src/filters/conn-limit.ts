// The `connLimit` middleware: at most `amount` requests of one key in flight
// at once (NGINX's limit_conn, Traefik's inFlightReq). A request is counted
// when it is admitted and uncounted in onDone, which runs once for every
// exchange however it ends — answered, failed, refused by a later filter, or
// its client gone; an open tunnel stays counted until it closes. The counts
// live in the FilterContext, so requests admitted before a reload are still
// counted, and uncounted, after it.
import type { ConnLimitMiddlewareConfig } from '../config/types.js';
import { errorAnswer } from '../exchange/errors.js';
import { SlotKey, type Exchange } from '../exchange/exchange.js';
import type { Filter, RequestVerdict } from '../exchange/phases.js';
import type { FilterContext, InFlightCounts } from './middleware-state.js';
import { RequestKey } from './request-key.js';

export class ConnLimit implements Filter {
  private readonly key: RequestKey;
  private readonly inFlight: InFlightCounts;
  /** The key a request was counted under, so onDone uncounts exactly the admitted ones. */
  private readonly counted = new SlotKey<string>('conn-limit');

  constructor(
    readonly name: string,
    private readonly config: ConnLimitMiddlewareConfig,
    context: FilterContext,
  ) {
    this.key = new RequestKey(config.key);
    this.inFlight = context.inFlight(name);
  }

  onRequest(ex: Exchange): RequestVerdict {
    const key = this.key.of(ex);
    const now = this.inFlight.get(key) ?? 0;
    if (now >= this.config.amount) {
      const answer = errorAnswer('too_many_in_flight', ex.requestId, ex.head.accept, undefined, this.config.status);
      return { status: answer.status, headers: answer.headers, body: answer.body, reason: 'too_many_in_flight' };
    }
    this.inFlight.set(key, now + 1);
    ex.setSlot(this.counted, key);
    return undefined;
  }

  onDone(ex: Exchange): void {
    const key = ex.slot(this.counted);
    if (key === undefined) return;
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left > 0) this.inFlight.set(key, left);
    else this.inFlight.delete(key);
  }
}
