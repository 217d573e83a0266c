// The `ipAllowList` and `ipDenyList` middlewares: the client's address (the
// real one behind trusted proxies, exchange.clientAddress) is tested against
// ranges compiled once per routing snapshot; a refused client gets a 403
// before any backend is picked, logged as `ip_denied`.
import type { IpRangesConfig } from '../config/types.js';
import { AddressRanges } from '../exchange/address-ranges.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter, LocalAnswer, RequestVerdict } from '../exchange/phases.js';

const DENIED: LocalAnswer = { status: 403, body: 'Forbidden\n', reason: 'ip_denied' };

/** Lets through only clients inside the ranges (`allow`), or only those outside them (deny). */
export class IpRules implements Filter {
  private readonly ranges: AddressRanges;

  constructor(
    readonly name: string,
    config: IpRangesConfig,
    private readonly allow: boolean,
  ) {
    this.ranges = new AddressRanges(config.sourceRange);
  }

  onRequest(ex: Exchange): RequestVerdict {
    return this.ranges.includes(ex.clientAddress) === this.allow ? undefined : DENIED;
  }
}
