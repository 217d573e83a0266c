// Graceful stop on SIGTERM/SIGINT, or when the output closes (the reader of
// a pipe went away, as with `fairway demo | head -1`): the first request
// drains, a second signal exits at once.
export type StopReason = NodeJS.Signals | 'closed output';

let stopHandler: ((reason: StopReason) => void) | undefined;
/** A stop asked for before a command registered its stop (output closed during start-up). */
let pendingStop: StopReason | undefined;

export function onStopSignals(stop: (reason: StopReason) => Promise<void>): void {
  let stopping = false;
  const handle = (reason: StopReason) => {
    if (stopping) {
      // Output failing again while stopping is expected, not a reason to hurry.
      if (reason === 'closed output') return;
      process.stderr.write(`fairway: second ${reason}, exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    stop(reason).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`fairway: error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  stopHandler = handle;
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  if (pendingStop !== undefined) handle(pendingStop);
}

/**
 * Asks the running command to stop as a signal would. Commands that never
 * register a stop (validate, bench, backend) are left running.
 */
export function requestStop(reason: StopReason): void {
  if (stopHandler !== undefined) stopHandler(reason);
  else pendingStop ??= reason;
}
