// Structured logs: JSON lines by default, a readable form with `pretty`.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogConfig } from '../config/types.js';

export type { Logger } from 'pino';

const outputFailureListeners = new Set<(err: Error) => void>();

/**
 * Calls `listener` once when writing logs to stdout fails (EPIPE: the reader
 * of the pipe went away). The logger then drops its lines instead of crashing;
 * the CLI uses this to stop the way a closed stdout stops it.
 */
export function onLogOutputFailure(listener: (err: Error) => void): () => void {
  outputFailureListeners.add(listener);
  return () => outputFailureListeners.delete(listener);
}

/** pino's stdout stream; it already drops writes after EPIPE, and this reports the failure. */
function stdoutDestination(sync: boolean): ReturnType<typeof pino.destination> {
  const destination = pino.destination({ fd: 1, sync });
  let failed = false;
  destination.on('error', (err: Error) => {
    if (failed) return;
    failed = true;
    // Any failure, not only EPIPE: later lines are dropped rather than retried.
    destination.write = () => true;
    for (const listener of outputFailureListeners) listener(err);
  });
  return destination;
}

export function createLogger(config: LogConfig, destination?: NodeJS.WritableStream): Logger {
  const options = { level: config.level, base: { name: 'fairway' } };
  if (config.format === 'pretty') {
    // In-process (not a worker thread) so lines appear in order and at once.
    return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true, destination: destination ?? stdoutDestination(true) }));
  }
  return pino(options, destination ?? stdoutDestination(false));
}
