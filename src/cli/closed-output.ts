// A closed stdout or stderr (EPIPE once the reader of a pipe went away, EIO
// when the terminal is gone) must not crash a command with an unhandled
// 'error' event. Writing stops: the stream is destroyed and later writes are
// dropped. A closed stdout, where the output of demo and start (their logs)
// goes, also stops those as SIGTERM would; the logger's own stdout stream
// reports the same way. A closed stderr alone stops nothing.
import { onLogOutputFailure } from '../observability/logger.js';
import { requestStop } from './signals.js';

export function stopWhenOutputCloses(): void {
  // Not from inside the failed write (a log call, possibly deep in the proxy).
  const closed = () => void setImmediate(() => requestStop('closed output'));
  process.stdout.on('error', closed);
  onLogOutputFailure(closed);
  process.stderr.on('error', () => undefined);
}
