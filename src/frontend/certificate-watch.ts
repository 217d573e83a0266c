// Watches certificate files for replacement. The directories are watched,
// not the files: tools replace a certificate by renaming a new file over it
// (certbot, editors) or by swapping a symlinked directory (Kubernetes
// secrets, `..data`), and a watch on the old file would never hear of it.
// Any event in such a directory counts; bursts (a cert and its key written
// one after the other) become one call after a quiet moment. The caller
// compares contents, so a change to some unrelated file costs one read.
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../observability/logger.js';

export interface FileWatch {
  close(): void;
}

/** Calls `onChange` once `quietMs` after the last event in a directory holding any of `files`. */
export function watchFiles(files: readonly string[], onChange: () => void, logger: Logger, quietMs = 300): FileWatch {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, quietMs);
    timer.unref();
  };
  for (const dir of new Set(files.map((f) => dirname(resolve(f))))) {
    try {
      const watcher = watch(dir, { persistent: false }, changed);
      // A watch that fails later (the directory removed) stops quietly; reloads still re-read.
      watcher.on('error', (err) => logger.warn({ dir, err: err.message }, 'watching certificate files stopped'));
      watchers.push(watcher);
    } catch (err) {
      logger.warn({ dir, err: (err as Error).message }, 'cannot watch certificate files; changes apply on SIGHUP or POST /api/reload');
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
