// The config file format (docs/configuration.md) as one zod schema, put
// together from the sections' file keys (sections/registry.ts). Parsing turns a
// file into a FileLayer: only what the file says, durations already in ms,
// names normalised. Defaults and overrides are layered on later (resolve.ts).
import { z } from 'zod';
import * as f from './fields.js';
import { issuePaths, problemsFromIssues, type ConfigProblem } from './problems.js';
import { strict } from './schema-fields.js';
import { backendSchema, checkBackendIds, stripIds } from './sections/pool/backend.js';
import { SECTIONS, type FileLayer } from './sections/registry.js';

export type { FileLayer } from './sections/registry.js';

const configObject = strict(Object.assign({}, ...SECTIONS.map((s) => s.fileShape)) as z.core.$ZodLooseShape, 'the config file');

// Cross-entry checks (names, ids, references) that no single field can make.
const configFile = configObject.superRefine(
  (value, ctx) => {
    // Runs even when fields failed, so values may be partial.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const section of SECTIONS) section.checkFile?.(value, ctx);
  },
  { when: () => true },
);

// A bare JSON array is a list of backends: [{ "id", "host", "port" }, ...].
const backendList = z
  .array(backendSchema)
  .superRefine((list, ctx) => checkBackendIds(list, [], ctx), { when: () => true });

/** The layer of a file that sets nothing: each section's part with none of its keys. */
export function emptyFileLayer(): FileLayer {
  return fileLayerOf({});
}

function fileLayerOf(parsed: Record<string, unknown>): FileLayer {
  return Object.assign({}, ...SECTIONS.map((s) => s.fromFile(parsed))) as FileLayer;
}

/** On failure, `at` holds the key path of each problem (for salvage.ts). */
export type ParsedFile = { ok: true; layer: FileLayer } | { ok: false; problems: ConfigProblem[]; at: (string | number)[][] };

/** Validates parsed YAML/JSON data and turns it into a FileLayer. */
export function parseConfigData(data: unknown): ParsedFile {
  if (data === null || data === undefined) {
    // An empty file is a valid (if minimal) config: everything else comes from env/flags.
    return { ok: true, layer: emptyFileLayer() };
  }
  if (Array.isArray(data)) {
    const parsed = backendList.safeParse(data, { reportInput: true });
    if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues), at: issuePaths(parsed.error.issues) };
    return { ok: true, layer: { ...emptyFileLayer(), backends: stripIds(parsed.data) } };
  }
  if (typeof data !== 'object') {
    return {
      ok: false,
      problems: [
        {
          path: '(top level)',
          message: `expected a config object or a JSON array of backends, got ${f.show(data)}`,
        },
      ],
      at: [[]],
    };
  }
  const parsed = configFile.safeParse(data, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues), at: issuePaths(parsed.error.issues) };
  return { ok: true, layer: fileLayerOf(parsed.data as Record<string, unknown>) };
}
