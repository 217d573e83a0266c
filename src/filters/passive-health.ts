// The passive-health filter: every try's result feeds the cluster's outlier
// detector, which ejects a backend that keeps failing. A reused idle
// connection closing under a request is how keep-alive connections end, not a
// failing backend, so it is not counted.
import type { Exchange } from '../exchange/exchange.js';
import type { Filter, TryResult, TryVerdict } from '../exchange/phases.js';

export class PassiveHealth implements Filter {
  readonly name = 'passive-health';

  onUpstreamResult(ex: Exchange, result: TryResult): TryVerdict {
    const outliers = ex.cluster!.outliers;
    const backend = ex.backend!;
    if (result.error !== undefined) {
      if (!result.idleRace) outliers.record(backend, 'gateway_failure');
    } else {
      outliers.record(backend, result.status >= 500 ? 'server_error' : 'success');
    }
    return undefined;
  }
}
