// Structured logs: JSON lines by default, a readable form with `pretty`.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogConfig } from '../config/types.js';

export type { Logger } from 'pino';

export function createLogger(config: LogConfig, destination?: NodeJS.WritableStream): Logger {
  const options = { level: config.level, base: { name: 'fairway' } };
  if (config.format === 'pretty') {
    // In-process (not a worker thread) so lines appear in order and at once.
    return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true, destination: destination ?? 1 }));
  }
  return pino(options, destination ?? pino.destination({ fd: 1, sync: false }));
}
