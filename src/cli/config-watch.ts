// --watch: reload when the config file changes. Editors often replace a file
// (rename over it), so the folder is watched and events are debounced.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export function watchConfigFile(file: string, onChange: () => void, debounceMs = 200): FSWatcher {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(file), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.unref();
  return watcher;
}
