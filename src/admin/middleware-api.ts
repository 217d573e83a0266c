// The /api/middlewares endpoints: every middleware of the config in force with
// its counters, and run-time changes of a rateLimit's average, period, burst
// and dryRun. A change applies to the running filter at once (the buckets
// stay) and is not written to the file: the next reload goes back to it.
import type { MiddlewareConfig, RateLimitTuning } from '../config/types.js';
import { RATE_LIMIT_TUNABLE } from '../config/sections/middlewares/rate-limit.js';
import type { Check } from '../config/fields.js';
import { RateLimit } from '../filters/rate-limit.js';
import type { AdminControl } from './control.js';
import type { AdminRequest, AdminRoute } from './server.js';
import { sendJson, sendProblem } from './http.js';
import { FieldCheck, InputError, RequestProblem, withJsonBody } from './input.js';
import { describeMiddleware } from './describe-middlewares.js';

const TUNABLE_FIELDS = Object.keys(RATE_LIMIT_TUNABLE) as (keyof typeof RATE_LIMIT_TUNABLE)[];

/** The file's validator's answer for `field`, as an InputError with the same message. */
function validated<T>(field: string, result: Check<T>): T {
  if (!result.ok) throw new InputError(field, result.message);
  return result.value;
}

export function middlewareRoutes(control: AdminControl): AdminRoute[] {
  const describe = (d: MiddlewareConfig) => describeMiddleware(d, control.config, control.middlewareFilter(d.name), control.middlewareCounters(d.name));

  const find = (request: AdminRequest): MiddlewareConfig | undefined => {
    const name = request.params['name'];
    const found = control.config.middlewares.find((m) => m.name === name);
    if (found === undefined) {
      sendProblem(request.res, 404, 'unknown_middleware', `no middleware named "${name}"`, { middlewares: control.config.middlewares.map((m) => m.name) });
    }
    return found;
  };

  return [
    { method: 'GET', path: '/api/middlewares', handle: ({ res }) => sendJson(res, 200, { middlewares: control.config.middlewares.map(describe) }) },
    {
      method: 'GET',
      path: '/api/middlewares/:name',
      handle: (request) => {
        const found = find(request);
        if (found) sendJson(request.res, 200, describe(found));
      },
    },
    {
      method: 'PATCH',
      path: '/api/middlewares/:name',
      handle: withJsonBody('{"average": 50, "period": "1s", "burst": 20, "dryRun": false}', (request, body) => {
        const found = find(request);
        if (!found) return;
        const filter = control.middlewareFilter(found.name);
        if (found.kind !== 'rateLimit' || !(filter instanceof RateLimit)) {
          throw new RequestProblem(409, 'not_changeable', `middleware "${found.name}" is a ${found.kind} middleware: only rateLimit settings can be changed at run time (${TUNABLE_FIELDS.join(', ')})`, {
            kind: found.kind,
            changeable: ['rateLimit'],
          });
        }
        const check = new FieldCheck(body);
        check.onlyKeys(TUNABLE_FIELDS);
        if (Object.keys(body).length === 0) throw new InputError('(body)', `nothing to change (give any of ${TUNABLE_FIELDS.join(', ')})`, TUNABLE_FIELDS);
        const value = <T>(field: string, validator: (input: unknown) => Check<T>): T | undefined =>
          body[field] === undefined ? undefined : check.take(() => validated(field, validator(body[field])));
        const average = value('average', RATE_LIMIT_TUNABLE.average);
        const periodMs = value('period', RATE_LIMIT_TUNABLE.period);
        const burst = value('burst', RATE_LIMIT_TUNABLE.burst);
        const dryRun = value('dryRun', RATE_LIMIT_TUNABLE.dryRun);
        // Every field is checked before anything changes: one bad field changes nothing.
        check.done();
        const change: RateLimitTuning = {
          ...(average !== undefined && { average }),
          ...(periodMs !== undefined && { periodMs }),
          ...(burst !== undefined && { burst }),
          ...(dryRun !== undefined && { dryRun }),
        };
        filter.retune(change);
        sendJson(request.res, 200, describe(found));
      }),
    },
  ];
}
