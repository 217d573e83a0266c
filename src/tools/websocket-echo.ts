// The test backend's WebSocket endpoint, the server side of RFC 6455 in its
// smallest useful form: the handshake, then a first text message naming the
// server, then every text or binary message echoed back whole (fragments
// joined), pings answered with pongs, a close answered with a close. Written
// here rather than taken from a package so the shipped test backend needs no
// dependency; the tests talk to it through the `ws` client, a separate
// implementation that checks it.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Largest message echoed; a bigger one is refused with close code 1009. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

/** The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
export function webSocketAcceptKey(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/** A server frame (never masked, never fragmented). */
function frame(opcode: Opcode, payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
  const header = Buffer.allocUnsafe(headerLength);
  header[0] = 0x80 | opcode;
  if (length < 126) {
    header[1] = length;
  } else if (length <= 0xffff) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

function closePayload(code: number): Buffer {
  const payload = Buffer.allocUnsafe(2);
  payload.writeUInt16BE(code, 0);
  return payload;
}

/**
 * Answers a WebSocket handshake on `socket` (as node:http's 'upgrade' event
 * hands it over) and echoes from then on. Returns false, writing nothing,
 * when the request is no valid WebSocket handshake.
 */
export function serveWebSocketEcho(req: IncomingMessage, socket: Socket, head: Buffer, greeting: string, extraHeaders: string[]): boolean {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket' || req.method !== 'GET') return false;
  let response = `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${webSocketAcceptKey(key)}\r\n`;
  for (let i = 0; i < extraHeaders.length; i += 2) response += `${extraHeaders[i]}: ${extraHeaders[i + 1]}\r\n`;
  socket.write(`${response}\r\n`, 'latin1');
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.write(frame(Opcode.Text, Buffer.from(greeting)));
  new EchoConnection(socket, head);
  return true;
}

class EchoConnection {
  /** Bytes received and not yet parsed, in arrival order. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Fragments of the message being received, and its opcode. */
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private messageOpcode: Opcode = Opcode.Text;
  private closing = false;

  constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => socket.end());
    if (head.length > 0) this.receive(head);
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closing && this.parseFrame()) {
      // one frame handled per turn of the loop
    }
  }

  /** The first `n` buffered bytes, joined only when they span chunks. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  /** Handles one whole frame if it has arrived; false when more bytes are needed. */
  private parseFrame(): boolean {
    if (this.buffered < 2) return false;
    let bytes = this.peek(2);
    const fin = (bytes[0]! & 0x80) !== 0;
    const opcode = (bytes[0]! & 0x0f) as Opcode;
    const masked = (bytes[1]! & 0x80) !== 0;
    let length = bytes[1]! & 0x7f;
    let headerLength = 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + 4;
    if (!masked) {
      this.close(1002); // client frames must be masked
      return false;
    }
    if (this.buffered < headerLength) return false;
    bytes = this.peek(headerLength);
    if (length === 126) length = bytes.readUInt16BE(2);
    else if (length === 127) {
      const big = bytes.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE_BYTES)) {
        this.close(1009);
        return false;
      }
      length = Number(big);
    }
    if (this.fragmentBytes + length > MAX_MESSAGE_BYTES) {
      this.close(1009);
      return false;
    }
    if (this.buffered < headerLength + length) return false;
    bytes = this.peek(headerLength + length);
    const mask = bytes.subarray(headerLength - 4, headerLength);
    const payload = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) payload[i] = bytes[headerLength + i]! ^ mask[i & 3]!;
    headerLength += length;
    this.consume(headerLength);
    this.handle(fin, opcode, payload);
    return true;
  }

  private handle(fin: boolean, opcode: Opcode, payload: Buffer): void {
    switch (opcode) {
      case Opcode.Text:
      case Opcode.Binary:
      case Opcode.Continuation:
        if (opcode !== Opcode.Continuation) {
          this.messageOpcode = opcode;
          this.fragments = [];
          this.fragmentBytes = 0;
        }
        this.fragments.push(payload);
        this.fragmentBytes += payload.length;
        if (fin) {
          const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
          this.fragments = [];
          this.fragmentBytes = 0;
          this.send(frame(this.messageOpcode, message));
        }
        break;
      case Opcode.Ping:
        this.send(frame(Opcode.Pong, payload));
        break;
      case Opcode.Pong:
        break;
      case Opcode.Close:
        this.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
        break;
      default:
        this.close(1002);
    }
  }

  /** Sends a frame; a client slower than its own messages pauses the reading. */
  private send(data: Buffer): void {
    if (!this.socket.write(data)) {
      this.socket.pause();
      this.socket.once('drain', () => this.socket.resume());
    }
  }

  private close(code: number): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.end(frame(Opcode.Close, closePayload(code)));
  }
}
