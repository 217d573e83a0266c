// The runtime control API under /api: pools, backends (add, remove, enable,
// drain, disable, weight), algorithm, reload, live events. Changes apply at
// once and are not written to the config file: a reload goes back to it.
import type { FairwayBalancer } from '../fairway.js';
import { ALGORITHMS, BACKEND_STATES, type AlgorithmName, type BackendConfig, type BackendState } from '../config/types.js';
import { backendUrl, hashKey as hashKeyField } from '../config/fields.js';
import { DEFAULTS } from '../config/defaults.js';
import type { BackendPool } from '../proxy/pool.js';
import type { AdminRequest, AdminRoute } from './server.js';
import { readJsonBody, sendJson, sendProblem } from './http.js';
import { describeBackend, describePool } from './describe.js';
import { EventStream } from './event-stream.js';

type Fields = Record<string, unknown>;

/** A 400 naming the field and what is accepted. */
class BadInput extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly accepted?: readonly string[],
  ) {
    super(message);
  }
}

function objectBody(value: unknown): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadInput('(body)', 'expected a JSON object');
  return value as Fields;
}

function onlyKeys(body: Fields, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new BadInput(key, `unknown field "${key}"`, allowed);
  }
}

function parseWeight(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new BadInput('weight', `${JSON.stringify(value)} is not a weight (expected an integer from 0 to 1000; 0 = no new requests)`);
  }
  return value;
}

function parseState(value: unknown): BackendState {
  if (typeof value !== 'string' || !(BACKEND_STATES as readonly string[]).includes(value)) {
    throw new BadInput('state', `${JSON.stringify(value)} is not a backend state`, BACKEND_STATES);
  }
  return value as BackendState;
}

export function apiRoutes(balancer: FairwayBalancer, stream = new EventStream(balancer)): AdminRoute[] {

  const findPool = (request: AdminRequest): BackendPool | undefined => {
    const pool = balancer.pools.find((p) => p.name === request.params['pool']);
    if (pool === undefined) {
      sendProblem(request.res, 404, 'unknown_pool', `no pool named "${request.params['pool']}"`, { pools: balancer.pools.map((p) => p.name) });
    }
    return pool;
  };

  /** Runs a handler that reads a JSON body, turning bad input into a 400. */
  const withBody = (handler: (request: AdminRequest, body: Fields) => void | Promise<void>) => async (request: AdminRequest) => {
    try {
      const body = objectBody(await readJsonBody(request.req));
      await handler(request, body);
    } catch (err) {
      if (err instanceof BadInput) {
        sendProblem(request.res, 400, 'bad_request', `${err.field}: ${err.message}`, { field: err.field, ...(err.accepted ? { accepted: err.accepted } : {}) });
      } else if (!request.res.headersSent) {
        sendProblem(request.res, 400, 'bad_request', (err as Error).message);
      }
    }
  };

  return [
    { method: 'GET', path: '/api/pools', handle: ({ res }) => sendJson(res, 200, { pools: balancer.pools.map(describePool) }) },
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
      handle: withBody((request, body) => {
        const pool = findPool(request);
        if (!pool) return;
        onlyKeys(body, ['algorithm', 'hashKey']);
        const name = typeof body['algorithm'] === 'string' ? body['algorithm'].trim().toLowerCase().replace(/_/g, '-') : undefined;
        if (name === undefined || !(ALGORITHMS as readonly string[]).includes(name)) {
          throw new BadInput('algorithm', `${JSON.stringify(body['algorithm'])} is not a known algorithm`, ALGORITHMS);
        }
        let hashKey: string | undefined;
        if (body['hashKey'] !== undefined) {
          const checked = hashKeyField(body['hashKey']);
          if (!checked.ok) throw new BadInput('hashKey', checked.message);
          hashKey = checked.value;
        }
        pool.setAlgorithm(name as AlgorithmName, hashKey);
        sendJson(request.res, 200, describePool(pool));
      }),
    },
    {
      method: 'POST',
      path: '/api/pools/:pool/backends',
      handle: withBody((request, body) => {
        const pool = findPool(request);
        if (!pool) return;
        onlyKeys(body, ['id', 'url', 'weight', 'maxConnections', 'backup', 'state']);
        const url = backendUrl(body['url']);
        if (!url.ok) throw new BadInput('url', url.message);
        if (pool.backends.some((b) => b.url === url.value)) throw new BadInput('url', `${url.value} is already a backend of pool ${pool.name}`);
        const id = body['id'] === undefined ? new URL(url.value).host : String(body['id']);
        if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id)) throw new BadInput('id', `${JSON.stringify(body['id'])} is not a backend id (letters, digits, . _ - :)`);
        if (pool.findBackend(id) !== undefined) throw new BadInput('id', `pool ${pool.name} already has a backend "${id}"`);
        const maxConnections = body['maxConnections'] ?? DEFAULTS.backend.maxConnections;
        if (typeof maxConnections !== 'number' || !Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 100_000) {
          throw new BadInput('maxConnections', `${JSON.stringify(maxConnections)} is not a connection limit (expected an integer from 1 to 100000)`);
        }
        if (body['backup'] !== undefined && typeof body['backup'] !== 'boolean') throw new BadInput('backup', 'expected true or false');
        const config: BackendConfig = {
          id,
          url: url.value,
          weight: body['weight'] === undefined ? DEFAULTS.backend.weight : parseWeight(body['weight']),
          maxConnections,
          backup: body['backup'] === true,
          state: body['state'] === undefined ? 'enabled' : parseState(body['state']),
        };
        const backend = pool.addBackend(config);
        sendJson(request.res, 201, describeBackend(backend));
      }),
    },
    {
      method: 'PATCH',
      path: '/api/pools/:pool/backends/:id',
      handle: withBody((request, body) => {
        const pool = findPool(request);
        if (!pool) return;
        const backend = pool.findBackend(request.params['id']!);
        if (backend === undefined || backend.removing) {
          sendProblem(request.res, 404, 'unknown_backend', `pool ${pool.name} has no backend "${request.params['id']}"`, {
            backends: pool.backends.map((b) => b.id),
          });
          return;
        }
        onlyKeys(body, ['state', 'weight']);
        if (Object.keys(body).length === 0) throw new BadInput('(body)', 'nothing to change (give "state" and/or "weight")', ['state', 'weight']);
        const state = body['state'] === undefined ? undefined : parseState(body['state']);
        const weight = body['weight'] === undefined ? undefined : parseWeight(body['weight']);
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
        await pool.removeBackend(backend, balancer.config.shutdownTimeoutMs);
        sendJson(request.res, 200, { removed: backend.id, url: backend.url, drainedRequests: inFlight });
      },
    },
    {
      method: 'POST',
      path: '/api/reload',
      handle: async ({ res }) => {
        const result = await balancer.reload();
        if (result.ok) sendJson(res, 200, result);
        else sendProblem(res, 400, 'invalid_config', `the new configuration has ${result.errors.length} problem(s); the running one is kept`, { problems: result.errors });
      },
    },
    { method: 'GET', path: '/api/events', handle: ({ req, res }) => stream.subscribe(req, res) },
  ];
}
