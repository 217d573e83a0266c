// A closed stdout or stderr (EPIPE once the reader of a pipe went away, EIO
// when the terminal is gone) must not crash a command with an unhandled
// 'error' event. Writing stops: the stream is destroyed and later writes are
// dropped. Long-running commands (demo, start) then stop as on SIGTERM; the
// logger's own stdout stream reports the same way.
import { onLogOutputFailure } from '../observability/logger.js';
import { requestStop } from './signals.js';

export function stopWhenOutputCloses(): void {
  const closed = () => requestStop('closed output');
  process.stdout.on('error', closed);
  process.stderr.on('error', closed);
  onLogOutputFailure(closed);
}
