// `shutdownTimeout:` — how long in-flight requests may run after SIGTERM/SIGINT.
import * as f from '../fields.js';
import { defined, field } from '../schema-fields.js';
import { defineSection } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    /** How long in-flight requests may run after SIGTERM/SIGINT. */
    shutdownTimeoutMs: number;
  }
  interface FileLayer {
    shutdownTimeoutMs?: number;
  }
}

export const SHUTDOWN_TIMEOUT_DEFAULT_MS = 30_000;

export const shutdownTimeoutSection = defineSection({
  fileShape: { shutdownTimeout: field(f.duration(0)).optional() },
  fromFile: (parsed) => defined({ shutdownTimeoutMs: parsed.shutdownTimeout }),
  key: 'shutdownTimeoutMs',
  resolve: (ctx) => ctx.file.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_DEFAULT_MS,
});
