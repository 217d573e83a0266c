// The top level's `backends` and pool settings (algorithm, healthCheck,
// retries, ...): the shorthand pool `default`, or with named pools the defaults
// each pool may override. BACKEND_SERVERS and --backend replace these backends.
// pools.ts resolves all of it; this section only reads it.
import { z } from 'zod';
import { backendSchema, backendUrlList, stripIds, type FileBackend } from './pool/backend.js';
import { balancingShape, readPoolSettings, upstreamSettingsShape, type PoolSettings } from './pool/settings.js';
import { defineSection } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FileLayer {
    /** Top-level pool settings (algorithm, healthCheck, retries, ...): the shorthand pool's, or every named pool's defaults. */
    poolDefaults: PoolSettings;
    /** Shorthand backends (top-level `backends` or a bare JSON array). */
    backends: FileBackend[];
  }
  interface OverrideLayer {
    /** Replaces the backends of the single pool; `source` names where they came from. */
    backends?: { source: string; list: FileBackend[] };
  }
}

export const poolDefaultsSection = defineSection({
  fileShape: {
    backends: z.array(backendSchema).optional(),
    ...balancingShape,
    ...upstreamSettingsShape,
  },
  fromFile: (parsed) => ({
    poolDefaults: readPoolSettings(parsed),
    backends: stripIds(parsed.backends),
  }),
  overrides: [
    {
      setting: 'backends',
      env: 'BACKEND_SERVERS',
      flag: { key: 'backend', name: '--backend' },
      parse: backendUrlList,
      store: (layer, list, source) => {
        layer.backends = { source, list: list as FileBackend[] };
      },
    },
  ],
});
