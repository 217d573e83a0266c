// Admin routes that only `fairway demo` has: stop and start a demo backend's
// process, and set its artificial delay, failure rate and health answer, so
// health checks, ejection and latency-aware balancing can be watched from
// the dashboard.
import type { AdminRoute, AdminRequest } from '../admin/server.js';
import { sendJson } from '../admin/http.js';
import { InputError, numberField, integerField, onlyKeys, RequestProblem, withJsonBody, answerProblem } from '../admin/input.js';
import type { BackendProcess } from './backend-process.js';

const CONTROL_TIMEOUT_MS = 2_000;

async function callControl(backend: BackendProcess, query: URLSearchParams): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(`${backend.url}/control?${query}`, { signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) });
  } catch (err) {
    throw new RequestProblem(502, 'backend_unreachable', `${backend.options.name} did not answer /control: ${(err as Error).message}`);
  }
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new RequestProblem(502, 'backend_refused', `${backend.options.name} refused the change: ${String(body['error'])}`);
  return body;
}

export function demoRoutes(backends: readonly BackendProcess[]): AdminRoute[] {
  /** Names of backends whose process is being started or stopped right now. */
  const busy = new Set<string>();

  const find = (request: AdminRequest): BackendProcess => {
    const backend = backends.find((b) => b.options.name === request.params['name']);
    if (backend === undefined) {
      throw new RequestProblem(404, 'unknown_backend', `no demo backend "${request.params['name']}" (there are ${backends.map((b) => b.options.name).join(', ')})`);
    }
    if (busy.has(backend.options.name)) throw new RequestProblem(409, 'busy', `${backend.options.name} is being started or stopped`);
    return backend;
  };

  const describe = async (backend: BackendProcess) => {
    let settings: Record<string, unknown> | null = null;
    if (backend.running && !busy.has(backend.options.name)) {
      try {
        const { healthy, delayMs, failureRate } = await callControl(backend, new URLSearchParams());
        settings = { healthy, delayMs, failureRate };
      } catch {
        settings = null;
      }
    }
    return { name: backend.options.name, url: backend.url, running: backend.running, settings };
  };

  const lifecycle = (action: 'start' | 'stop') => async (request: AdminRequest) => {
    try {
      const backend = find(request);
      if (action === 'start' && backend.running) throw new RequestProblem(409, 'already_running', `${backend.options.name} is already running`);
      if (action === 'stop' && !backend.running) throw new RequestProblem(409, 'not_running', `${backend.options.name} is not running`);
      busy.add(backend.options.name);
      try {
        if (action === 'start') await backend.start();
        else await backend.stop();
      } finally {
        busy.delete(backend.options.name);
      }
      sendJson(request.res, 200, await describe(backend));
    } catch (err) {
      answerProblem(request, err);
    }
  };

  return [
    {
      method: 'GET',
      path: '/api/demo',
      handle: async ({ res }) => sendJson(res, 200, { backends: await Promise.all(backends.map(describe)) }),
    },
    { method: 'POST', path: '/api/demo/backends/:name/stop', handle: lifecycle('stop') },
    { method: 'POST', path: '/api/demo/backends/:name/start', handle: lifecycle('start') },
    {
      method: 'POST',
      path: '/api/demo/backends/:name/control',
      handle: withJsonBody('{"delayMs": 200}', async (request, body) => {
        const backend = find(request);
        onlyKeys(body, ['delayMs', 'failureRate', 'healthy']);
        if (Object.keys(body).length === 0) throw new InputError('(body)', 'nothing to change (give delayMs, failureRate and/or healthy)', ['delayMs', 'failureRate', 'healthy']);
        const query = new URLSearchParams();
        if (body['delayMs'] !== undefined) query.set('set_delay_ms', String(integerField(body, 'delayMs', 0, 60_000)));
        if (body['failureRate'] !== undefined) query.set('failure_rate', String(numberField(body, 'failureRate', 0, 1)));
        if (body['healthy'] !== undefined) {
          if (typeof body['healthy'] !== 'boolean') throw new InputError('healthy', 'expected true or false');
          query.set('healthy', String(body['healthy']));
        }
        if (!backend.running) throw new RequestProblem(409, 'not_running', `${backend.options.name} is not running; start it first`);
        await callControl(backend, query);
        sendJson(request.res, 200, await describe(backend));
      }),
    },
  ];
}

