// The runtime control API under /api: pools, backends (add, remove, enable,
// drain, disable, weight), algorithm, middlewares (middleware-api.ts), reload, live events. Changes apply at
// once and are not written to the config file: a reload goes back to it.
import { ALGORITHMS, BACKEND_STATES, type AlgorithmName, type BackendConfig, type BackendState } from '../config/types.js';
import { name as nameField, type Check } from '../config/fields.js';
import { backendUrl, hostPort } from '../config/sections/pool/backend.js';
import { hashKey as hashKeyField } from '../config/sections/pool/balancing.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Cluster } from '../cluster/cluster.js';
import type { AdminControl } from './control.js';
import type { AdminRequest, AdminRoute } from './server.js';
import { sendJson, sendProblem } from './http.js';
import { FieldCheck, InputError, RequestProblem, withJsonBody } from './input.js';
import { describeBackend, describePool } from './describe.js';
import { EventStream } from './event-stream.js';
import { middlewareRoutes } from './middleware-api.js';

const backendId = nameField('backend id');

function parseWeight(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new InputError('weight', `${JSON.stringify(value)} is not a weight (expected an integer from 0 to 1000; 0 = no new requests)`);
  }
  return value;
}

function parseState(value: unknown): BackendState {
  if (typeof value !== 'string' || !(BACKEND_STATES as readonly string[]).includes(value)) {
    throw new InputError('state', `${JSON.stringify(value)} is not a backend state`, BACKEND_STATES);
  }
  return value as BackendState;
}

function parseAlgorithm(value: unknown): AlgorithmName {
  // The spellings the config file accepts: kebab-case, snake_case, any case.
  const name = typeof value === 'string' ? value.trim().toLowerCase().replace(/_/g, '-') : undefined;
  if (name === undefined || !(ALGORITHMS as readonly string[]).includes(name)) {
    throw new InputError('algorithm', value === undefined ? 'missing (give the algorithm to switch to)' : `${JSON.stringify(value)} is not a known algorithm`, ALGORITHMS);
  }
  return name as AlgorithmName;
}

/** A Validator from config/fields.ts as a check that throws an InputError for `field`. */
function validated<T>(field: string, result: Check<T>): T {
  if (!result.ok) throw new InputError(field, result.message);
  return result.value;
}

export function apiRoutes(control: AdminControl, stream = new EventStream(control)): AdminRoute[] {

  const findPool = (request: AdminRequest): Cluster | undefined => {
    const pool = control.pools.find((p) => p.name === request.params['pool']);
    if (pool === undefined) {
      sendProblem(request.res, 404, 'unknown_pool', `no pool named "${request.params['pool']}"`, { pools: control.pools.map((p) => p.name) });
    }
    return pool;
  };

  return [
    { method: 'GET', path: '/api/pools', handle: ({ res }) => sendJson(res, 200, { pools: control.pools.map(describePool) }) },
    {
      method: 'GET',
      path: '/api/pools/:pool',
      handle: (request) => {
        const pool = findPool(request);
        if (pool) sendJson(request.res, 200, describePool(pool));
      },
    },
    {
      method: 'PUT',
      path: '/api/pools/:pool/algorithm',
      handle: withJsonBody('{"algorithm": "round-robin"}', (request, body) => {
        const pool = findPool(request);
        if (!pool) return;
        const check = new FieldCheck(body);
        check.onlyKeys(['algorithm', 'hashKey']);
        const algorithm = check.take(() => parseAlgorithm(body['algorithm']));
        const hashKey = body['hashKey'] === undefined ? undefined : check.take(() => validated('hashKey', hashKeyField(body['hashKey'])));
        check.done();
        pool.setAlgorithm(algorithm!, hashKey);
        sendJson(request.res, 200, describePool(pool));
      }),
    },
    {
      method: 'POST',
      path: '/api/pools/:pool/backends',
      handle: withJsonBody('{"url": "http://10.0.0.14:80"}', (request, body) => {
        const pool = findPool(request);
        if (!pool) return;
        const check = new FieldCheck(body);
        check.onlyKeys(['id', 'url', 'weight', 'maxConnections', 'backup', 'state']);
        const url = check.take(() => {
          if (body['url'] === undefined) throw new InputError('url', 'missing (the backend address, e.g. http://10.0.0.14:80)');
          return validated('url', backendUrl(body['url']));
        });
        const id = check.take(() => {
          if (body['id'] === undefined) return url === undefined ? undefined : hostPort(url);
          return validated('id', backendId(body['id']));
        });
        const weight = check.take(() => (body['weight'] === undefined ? DEFAULTS.backend.weight : parseWeight(body['weight'])));
        const maxConnections = check.take(() => {
          const value = body['maxConnections'] ?? DEFAULTS.backend.maxConnections;
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
            throw new InputError('maxConnections', `${JSON.stringify(value)} is not a connection limit (expected an integer from 1 to 100000)`);
          }
          return value;
        });
        check.take(() => {
          if (body['backup'] !== undefined && typeof body['backup'] !== 'boolean') throw new InputError('backup', 'expected true or false');
        });
        const state = check.take(() => (body['state'] === undefined ? 'enabled' : parseState(body['state'])));
        check.done();
        // Well-formed but taken: a conflict with the pool as it is, not bad input.
        if (pool.backends.some((b) => b.url === url)) {
          throw new RequestProblem(409, 'conflict', `url: ${url} is already a backend of pool ${pool.name}`, { field: 'url' });
        }
        if (pool.findBackend(id!) !== undefined) {
          throw new RequestProblem(409, 'conflict', `id: pool ${pool.name} already has a backend "${id}"`, { field: 'id' });
        }
        const config: BackendConfig = { id: id!, url: url!, weight: weight!, maxConnections: maxConnections!, backup: body['backup'] === true, state: state! };
        // Nothing leaves, so there is no drain to wait for.
        void pool.setMembers([...pool.memberConfigs(), config], control.config.shutdownTimeoutMs);
        sendJson(request.res, 201, describeBackend(pool.backends.find((b) => b.url === config.url && !b.removing)!));
      }),
    },
    {
      method: 'PATCH',
      path: '/api/pools/:pool/backends/:id',
      handle: withJsonBody('{"state": "draining", "weight": 3}', (request, body) => {
        const pool = findPool(request);
        if (!pool) return;
        const backend = pool.findBackend(request.params['id']!);
        if (backend === undefined || backend.removing) {
          sendProblem(request.res, 404, 'unknown_backend', `pool ${pool.name} has no backend "${request.params['id']}"`, {
            backends: pool.backends.map((b) => b.id),
          });
          return;
        }
        const check = new FieldCheck(body);
        check.onlyKeys(['state', 'weight']);
        if (Object.keys(body).length === 0) throw new InputError('(body)', 'nothing to change (give "state" and/or "weight")', ['state', 'weight']);
        const state = body['state'] === undefined ? undefined : check.take(() => parseState(body['state']));
        const weight = body['weight'] === undefined ? undefined : check.take(() => parseWeight(body['weight']));
        check.done();
        if (weight !== undefined) pool.setWeight(backend, weight);
        if (state !== undefined) pool.setState(backend, state);
        sendJson(request.res, 200, describeBackend(backend));
      }),
    },
    {
      method: 'DELETE',
      path: '/api/pools/:pool/backends/:id',
      handle: async (request) => {
        const pool = findPool(request);
        if (!pool) return;
        const backend = pool.findBackend(request.params['id']!);
        if (backend === undefined || backend.removing) {
          sendProblem(request.res, 404, 'unknown_backend', `pool ${pool.name} has no backend "${request.params['id']}"`, {
            backends: pool.backends.map((b) => b.id),
          });
          return;
        }
        const inFlight = backend.inFlight;
        const others = pool.memberConfigs().filter((c) => c.url !== backend.url);
        await pool.setMembers(others, control.config.shutdownTimeoutMs);
        sendJson(request.res, 200, { removed: backend.id, url: backend.url, drainedRequests: inFlight });
      },
    },
    {
      method: 'POST',
      path: '/api/reload',
      handle: async ({ res }) => {
        const result = await control.reload();
        if (result.ok) sendJson(res, 200, result);
        else sendProblem(res, 400, 'invalid_config', `the new configuration has ${result.errors.length} problem(s); the running one is kept`, { problems: result.errors });
      },
    },
    ...middlewareRoutes(control),
    { method: 'GET', path: '/api/events', handle: ({ req, res }) => stream.subscribe(req, res) },
  ];
}
