// The first BackendProvider: the backends a pool lists in the config file.
// It gives its list once, when started; a reload reads the file again and
// applies the new list through the pool's two-phase prepareReconfigure.
import type { BackendConfig } from '../config/types.js';
import type { BackendProvider } from './provider.js';

export class ConfigFileProvider implements BackendProvider {
  constructor(private readonly backends: readonly BackendConfig[]) {}

  start(update: (members: BackendConfig[]) => void): void {
    update([...this.backends]);
  }

  stop(): void {
    // Nothing is followed after the one list.
  }
}
