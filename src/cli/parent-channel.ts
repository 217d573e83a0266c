// A child started with an IPC channel (the demo's backends) watches it: the
// channel closes when the parent exits, however it exits (SIGKILL included),
// and the child must not outlive it holding its port.
export function onParentGone(gone: () => void): void {
  const channel = process.channel;
  if (channel === undefined) return;
  // The channel must not keep the process alive on its own.
  channel.unref();
  process.once('disconnect', gone);
}
