// A canned-answer HTTP server on raw `net` sockets, faster than any real one:
// the target for measuring a load generator itself (fairway bench vs wrk),
// and the floor of what any Node.js server can do per connection
// (build-ab's --raw-server). A request that says `Connection: close` gets
// its answer and the close at once, as a server that closes first does.
// Usage: node dist/bench/raw-server.js [PORT]   (0 or none: the OS picks)
import { createServer, type AddressInfo } from 'node:net';

const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nx-backend: raw\r\n\r\nhello\n', 'latin1');
const CLOSING_ANSWER = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\nx-backend: raw\r\n\r\nhello\n', 'latin1');
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
const CLOSE_FIELD = /\r\nconnection:[ \t]*close\r\n/i;

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  // One answer per request head seen; bodies are not expected.
  socket.on('data', (data: Buffer) => {
    let from = 0;
    for (let at = data.indexOf(END_OF_HEAD); at !== -1; at = data.indexOf(END_OF_HEAD, at + 4)) {
      if (CLOSE_FIELD.test(data.toString('latin1', from, at + 2))) {
        socket.write(CLOSING_ANSWER);
        // As fairway does: an answer all in the kernel goes with close(2) alone.
        if (socket.writableLength === 0) socket.destroy();
        else socket.destroySoon();
        return;
      }
      socket.write(ANSWER);
      from = at + 4;
    }
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`raw server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
