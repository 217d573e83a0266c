// Small writes held to the end of the event loop's turn, then sent together.
//
// Under load one turn of the loop handles many sockets: libuv hands over
// every socket ready in one epoll_wait, and each read leads to a write (an
// answer to a client, a request to a backend). Sent at once, each write to a
// peer that is idle wakes it again, and waking a process on another core is
// costly (an interrupt; in a VM, an exit to the hypervisor). Held until every
// socket of the turn is handled — setImmediate runs right after the poll
// phase — and then sent back to back, they wake each peer once per burst:
// small GETs through fairway on one core went 10–15 % faster, with lower
// latency (docs/benchmarks.md). A held socket is corked at its first held
// write of the turn and uncorked at the turn's end, so its writes still go
// out as one write(2) or writev(2); none waits longer than the rest of the
// turn.
import type { Writable } from 'node:stream';

let held: Writable[] = [];

function sendHeld(): void {
  const batch = held;
  // Writes held while this batch goes out (a callback that writes) wait for the next turn's end.
  held = [];
  for (let i = 0; i < batch.length; i++) batch[i]!.uncork();
}

/** Corks `socket` until the end of this turn, if it is not held already; write to it as usual. */
export function holdWritesToTurnEnd(socket: Writable): void {
  if (socket.writableCorked > 0) return;
  socket.cork();
  if (held.push(socket) === 1) setImmediate(sendHeld);
}
