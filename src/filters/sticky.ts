// The sticky-sessions filter: the request's cookie pins it to the backend
// that cookie names (the cluster decides whether that backend can still take
// it); an answer from another backend sets the cookie anew.
import type { StickyConfig } from '../config/types.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter, RequestVerdict } from '../exchange/phases.js';
import { readCookie, setCookieHeader } from './sticky-cookie.js';

export class StickySessions implements Filter {
  readonly name = 'sticky';

  constructor(private readonly config: StickyConfig) {}

  onRequest(ex: Exchange): RequestVerdict {
    const value = readCookie(ex.headers['cookie'], this.config.cookie);
    if (value !== undefined) ex.pinned = ex.cluster!.stickyMember(value);
    return undefined;
  }

  onResponse(ex: Exchange): void {
    const value = ex.cluster!.stickyValueFor(ex.backend!);
    if (value !== undefined && readCookie(ex.headers['cookie'], this.config.cookie) !== value) {
      ex.responseHeaders.push('set-cookie', setCookieHeader(this.config, value));
    }
  }
}
