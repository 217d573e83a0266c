// Micro-benchmark: what the observers add to one finished request, ns per
// request: the metrics listener (counter inc + histogram observe on cached
// children) and formatting an access-log line (json, combined).
import { FairwayEvents, type RequestRecord } from '../../src/observability/events.js';
import { FairwayMetrics } from '../../src/observability/metrics.js';
import { CombinedFormatter, formatJson } from '../../src/observability/access-log.js';
import { nsPerOp, printTable } from './measure.js';

const record: RequestRecord = {
  time: Date.now(),
  requestId: '6f1c2a9e-0b7d-4c1e-9a53-3d2f8e4b1c70',
  clientAddress: '127.0.0.1',
  method: 'GET',
  host: '127.0.0.1:8080',
  path: '/',
  status: 200,
  bytesIn: 0,
  bytesOut: 230,
  durationMs: 0.734,
  upstreamDurationMs: 0.52,
  pool: 'default',
  backend: 's1',
  attempts: 1,
  errorKind: '',
  referer: '',
  userAgent: 'wrk/4',
  httpVersion: '1.1',
  protocol: 'http/1.1',
};
const backends = ['s1', 's2', 's3'];

const events = new FairwayEvents();
const metrics = new FairwayMetrics(events, () => []);
const combined = new CombinedFormatter();

printTable('observers, per finished request', [
  [
    'metrics listener (3 backends, GET 200)',
    nsPerOp((i) => {
      events.emit('served', record.method, record.status, record.protocol, record.pool, backends[i % 3]!, record.durationMs, record.errorKind);
      return 1;
    }),
  ],
  ['access log: json line', nsPerOp(() => formatJson(record).length)],
  ['access log: combined line', nsPerOp(() => combined.format(record).length)],
]);
metrics.close();
