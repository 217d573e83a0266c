// What every middleware kind (headers.ts, ...) provides, and the union of
// their resolved definitions. A definition in the file names exactly one kind:
// `tag: { headers: {...} }` resolves to `{ name: 'tag', kind: 'headers', headers: {...} }`.
import type { z } from 'zod';
import type { FairwayConfig } from '../section.js';

// Starts empty; each kind file adds its resolved definition under its file key
// (`declare module './kind.js'`), so this file imports no kind.
/* eslint-disable @typescript-eslint/no-empty-object-type */
/** Each kind's resolved definition, by kind name: `headers: HeadersMiddleware`. */
export interface MiddlewareKinds {}
/* eslint-enable @typescript-eslint/no-empty-object-type */

export type MiddlewareKindName = keyof MiddlewareKinds;

/** A resolved middleware definition; `kind` tells which, and its settings sit under the key of that name. */
export type MiddlewareConfig = MiddlewareKinds[MiddlewareKindName];

/** The settings of kind K: what its file key (`headers:`) resolves to. */
export type MiddlewareSettings<K extends MiddlewareKindName> = MiddlewareKinds[K] extends { [P in K]: infer S } ? S : never;

/** One kind: its file key and the schema of that key's value (issue paths are relative to it). */
export interface MiddlewareKind<K extends MiddlewareKindName = MiddlewareKindName> {
  kind: K;
  schema: z.ZodType<MiddlewareSettings<K>>;
  /**
   * Warnings about valid settings (a feature this Node lacks), each
   * `key: message` with the key under the kind's; reported at start-up and reload.
   */
  warnings?(settings: MiddlewareSettings<K>): string[];
  /**
   * Problems found against other sections (a store that needs `redis:`),
   * each `key: message` like warnings; `resolved` holds the sections resolved
   * before `middlewares:` (redis among them).
   */
  problems?(settings: MiddlewareSettings<K>, resolved: Partial<FairwayConfig>): string[];
}

/** Any one of the kinds. */
export type AnyMiddlewareKind = { [K in MiddlewareKindName]: MiddlewareKind<K> }[MiddlewareKindName];

/** Types a kind against its entry in MiddlewareKinds. */
export function defineMiddlewareKind<K extends MiddlewareKindName>(kind: MiddlewareKind<K>): MiddlewareKind<K> {
  return kind;
}
