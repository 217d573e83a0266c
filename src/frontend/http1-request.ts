// What both HTTP/1.1 Downstreams (a request with its response, an Upgrade
// request with its socket) read off node:http's parsed request.
import type { IncomingMessage } from 'node:http';

export abstract class Http1Request {
  target: string;

  constructor(protected readonly req: IncomingMessage) {
    this.target = req.url ?? '/';
  }

  get protocol(): string {
    return this.req.httpVersion === '1.0' ? 'http/1.0' : 'http/1.1';
  }

  get httpVersion(): string {
    return this.req.httpVersion;
  }

  get clientAddress(): string {
    return this.req.socket.remoteAddress ?? '';
  }

  get secure(): boolean {
    // A TLS listener's sockets are TLSSockets (wss:// tunnels included).
    return (this.req.socket as { encrypted?: boolean }).encrypted === true;
  }

  get localPort(): number | undefined {
    return this.req.socket.localPort;
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get rawHeaders(): readonly string[] {
    return this.req.rawHeaders;
  }

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }
}
