// `middlewares:` — named middleware definitions, each of exactly one kind
// (middlewares/kinds.ts), that routes list by name as their chain; and the
// check that every name a chain lists is defined. Which route gets which chain
// is routes.ts's business.
import { z } from 'zod';
import * as f from '../fields.js';
import { closest, formatPath } from '../problems.js';
import { field } from '../schema-fields.js';
import type { MiddlewareConfig, MiddlewareKind, MiddlewareKindName } from './middlewares/kind.js';
import { MIDDLEWARE_KINDS, MIDDLEWARE_KIND_NAMES } from './middlewares/kinds.js';
import { defineSection } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    /** Every definition, in the file's order; routes name them in `RouteConfig.middlewares`. */
    middlewares: MiddlewareConfig[];
  }
  interface FileLayer {
    middlewares?: MiddlewareConfig[];
  }
}

const isMap = (input: unknown): input is Record<string, unknown> =>
  input !== null && typeof input === 'object' && !Array.isArray(input);

const acceptedKinds = `accepted kinds: ${MIDDLEWARE_KIND_NAMES.join(', ')}`;

/** A chain: middleware names in the order they apply. */
export const middlewareChain = z.array(field(f.name('middleware name')));

/** A definition names exactly one known kind; this runs before the kind's own schema. */
function checkOneKind(input: unknown, ctx: z.RefinementCtx): void {
  if (!isMap(input)) {
    ctx.addIssue({
      code: 'custom',
      message: `${f.show(input)} is not a middleware definition (expected one kind with its settings, e.g. headers: {...}; ${acceptedKinds})`,
    });
    return;
  }
  const keys = Object.keys(input);
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: `empty: a middleware definition names one kind with its settings (${acceptedKinds})` });
  }
  for (const key of keys) {
    if ((MIDDLEWARE_KIND_NAMES as readonly string[]).includes(key)) continue;
    const guess = closest(key, MIDDLEWARE_KIND_NAMES);
    const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
    ctx.addIssue({ code: 'custom', message: `unknown middleware kind "${key}" (${hint}${acceptedKinds})` });
  }
  if (keys.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `names ${keys.length} kinds (${keys.join(', ')}); a definition has exactly one: define each under its own name and list them all on the route`,
    });
  }
}

/** A definition before its name is added (Omit taken member by member, so each kind keeps its own key). */
type Definition = MiddlewareConfig extends infer M ? (M extends unknown ? Omit<M, 'name'> : never) : never;

const kindsObject = z.object(Object.fromEntries(MIDDLEWARE_KINDS.map((k) => [k.kind, k.schema.optional()])));

const definitionSchema = z
  .unknown()
  .superRefine(checkOneKind)
  .pipe(kindsObject)
  .transform((settings): Definition => {
    // checkOneKind let exactly one known kind through.
    const kind = Object.keys(settings).find((k) => settings[k] !== undefined) as MiddlewareKindName;
    return { kind, [kind]: settings[kind] } as Definition;
  });

const LIST_FORM_HINT =
  'top-level middlewares defines them, e.g. { tag: { headers: {...} } }; a chain of names is listed on a route (routes[i].middlewares), ' +
  "on a single pool without routes (pools[0].middlewares), or for the shorthand pool's route in routeMiddlewares";

const definitionsSchema = z
  .unknown()
  .superRefine((input, ctx) => {
    if (isMap(input)) return;
    const what = Array.isArray(input) ? 'a list' : f.show(input);
    ctx.addIssue({ code: 'custom', message: `expected named middleware definitions, got ${what} (${LIST_FORM_HINT})` });
  })
  .pipe(z.object({}).catchall(definitionSchema))
  .superRefine(
    (defs, ctx) => {
      // Runs even when a definition failed: only the names are read.
      if (!isMap(defs)) return;
      for (const name of Object.keys(defs)) {
        const checked = f.name('middleware name')(name);
        if (!checked.ok) ctx.addIssue({ code: 'custom', path: [name], message: checked.message });
      }
    },
    { when: () => true },
  )
  .transform((defs): MiddlewareConfig[] => Object.entries(defs).map(([name, d]) => ({ name, ...d }) as MiddlewareConfig));

/** Where the file lists chains: each route's, each pool's, the shorthand route's, and each listener's. */
function chainsIn(raw: Record<string, unknown>): { at: (string | number)[]; list: unknown }[] {
  const lists = (key: string): { at: (string | number)[]; list: unknown }[] => {
    const entries = raw[key];
    if (!Array.isArray(entries)) return [];
    return entries.flatMap((e: unknown, i) =>
      isMap(e) && e['middlewares'] !== undefined ? [{ at: [key, i, 'middlewares'], list: e['middlewares'] }] : [],
    );
  };
  const shorthand = raw['routeMiddlewares'] === undefined ? [] : [{ at: ['routeMiddlewares'], list: raw['routeMiddlewares'] }];
  const listen = raw['listen'];
  const onListen = isMap(listen) && listen['middlewares'] !== undefined ? [{ at: ['listen', 'middlewares'], list: listen['middlewares'] }] : [];
  return [...lists('routes'), ...lists('pools'), ...shorthand, ...lists('listeners'), ...onListen];
}

/** The defined names: the parsed list's, or the keys as written when a definition failed. */
function definedNames(defs: unknown): string[] | undefined {
  if (defs === undefined) return [];
  if (isMap(defs)) return Object.keys(defs);
  const parsed = Array.isArray(defs) && defs.every((d: unknown) => isMap(d) && typeof d['name'] === 'string' && typeof d['kind'] === 'string');
  // Otherwise a form that is itself an error (a list of names): it names nothing for sure.
  return parsed ? defs.map((d: { name: string }) => d.name) : undefined;
}

/** Every name a chain lists is defined, and listed once in that chain. */
function checkChains(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const defined = definedNames(raw['middlewares']);
  if (defined === undefined) return;
  for (const { at, list } of chainsIn(raw)) {
    if (!Array.isArray(list)) continue;
    const first = new Map<string, number>();
    list.forEach((item: unknown, j) => {
      const name = typeof item === 'number' ? String(item) : item;
      if (typeof name !== 'string') return;
      if (!defined.includes(name)) {
        ctx.addIssue({ code: 'custom', path: [...at, j], message: notDefined(name, defined) });
      } else if (first.has(name)) {
        const also = formatPath([...at, first.get(name)!]);
        ctx.addIssue({ code: 'custom', path: [...at, j], message: `middleware "${name}" is listed twice in this chain (also ${also})` });
      } else {
        first.set(name, j);
      }
    });
  }
}

function notDefined(name: string, defined: readonly string[]): string {
  if (defined.length === 0) return `middleware "${name}" is not defined (no middlewares are defined; define it under the top-level middlewares)`;
  const guess = closest(name, defined);
  const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
  return `middleware "${name}" is not defined (${hint}defined: ${defined.join(', ')})`;
}

export const middlewaresSection = defineSection({
  fileShape: { middlewares: definitionsSchema.optional() },
  fromFile: (parsed) => (parsed.middlewares === undefined ? {} : { middlewares: parsed.middlewares }),
  checkFile: checkChains,
  key: 'middlewares',
  resolve: (ctx) => {
    const definitions = structuredClone(ctx.file.middlewares ?? []);
    for (const d of definitions) {
      const kind = MIDDLEWARE_KINDS.find((k) => k.kind === d.kind) as MiddlewareKind | undefined;
      const settings = (d as unknown as Record<string, unknown>)[d.kind] as never;
      for (const w of kind?.warnings?.(settings) ?? []) ctx.warn(`middlewares.${d.name}.${d.kind}.${w}`, ['middlewares']);
      for (const p of kind?.problems?.(settings, ctx.resolved) ?? []) {
        const at = p.indexOf(': ');
        // Skipped while the definition or the other sections it reads (redis:) are invalid.
        ctx.report({ path: `middlewares.${d.name}.${d.kind}.${p.slice(0, at)}`, message: p.slice(at + 2) }, [`middlewares.${d.name}`, 'redis']);
      }
    }
    return definitions;
  },
});
