// Copies of a listening socket's descriptor, for a runtime without
// `reusePort`. Node.js has no dup(2), but a handle sent over an IPC channel
// arrives as a new descriptor of the same socket; so a short-lived child
// process is handed the listening handle `count` times and sends each one
// straight back. The child never listens or accepts: it receives raw handles
// (not net.Server objects, which it would start accepting on) and leaves
// once it has sent them all. Each copy the parent gets is a raw handle that
// `net.Server.listen(handle, backlog)` can accept on.
import { spawn } from 'node:child_process';
import type { Server } from 'node:net';

/** What the child runs: echo every handle back, and leave after the last. */
const ECHO_HANDLES =
  "let sent=0;process.on('message',(m,h)=>process.send(m,h,()=>{if(++sent===m.count)process.disconnect()}))";

/** A raw listening handle, as `net.Server.listen(handle)` takes it. */
export interface ListenHandleCopy {
  close(): void;
}

/** The handle behind a listening net.Server (Node's own `_handle`, long stable). */
function listeningHandle(server: Server): object | undefined {
  const handle = (server as unknown as { _handle?: object | null })._handle;
  return handle ?? undefined;
}

/**
 * Resolves with `count` copies of `server`'s listening socket, or rejects
 * (nothing left open) when the child cannot be started, fails or takes
 * longer than `timeoutMs`.
 */
export function copyListeningSocket(server: Server, count: number, timeoutMs = 5_000): Promise<ListenHandleCopy[]> {
  const handle = listeningHandle(server);
  if (handle === undefined) return Promise.reject(new Error('the server is not listening'));
  return new Promise((resolve, reject) => {
    const copies: ListenHandleCopy[] = [];
    const child = spawn(process.execPath, ['-e', ECHO_HANDLES], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners();
      // It leaves by itself once its last send is through; the channel still acknowledges handles until then.
      child.on('error', () => {});
      if (err === undefined) return resolve(copies);
      child.kill();
      for (const copy of copies) copy.close();
      reject(err);
    };
    const timer = setTimeout(() => finish(new Error(`copying the listening socket took over ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (_message, copy) => {
      if (copy !== undefined) copies.push(copy as unknown as ListenHandleCopy);
      if (copies.length === count) finish();
    });
    child.on('error', (err) => finish(err));
    // 'disconnect', not 'exit': the channel closes only after every message the child sent has been read.
    child.on('disconnect', () => finish(new Error(`the copying process left after ${copies.length} of ${count} copies`)));
    // The handle goes as a raw handle: Node sends anything but a Socket, Server or dgram socket that way.
    const raw = handle as unknown as Server;
    for (let i = 0; i < count; i++) child.send({ count }, raw, (err) => err && finish(err));
  });
}
