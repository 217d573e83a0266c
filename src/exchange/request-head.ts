// One pass over the client's raw headers for the facts the lifecycle needs
// before forwarding (routing host, accept, request id, whether a body follows,
// whether a protocol switch is asked for).
import { equalsIgnoringCase, isFieldValue } from '../http-syntax/field-syntax.js';

export interface RequestHead {
  host: string | undefined;
  accept: string | undefined;
  requestId: string | undefined;
  hasBody: boolean;
  /** Declared body length, when the client sent Content-Length. */
  contentLength: number | undefined;
  /** Connection header values, joined with commas. */
  connection: string | undefined;
  /** Upgrade header value (protocols the client asks to switch to). */
  upgrade: string | undefined;
  /** The authority of an absolute-form target, which replaces Host upstream. */
  authority: string | undefined;
}

export function readRequestHead(raw: readonly string[]): RequestHead {
  let host: string | undefined;
  let accept: string | undefined;
  let requestId: string | undefined;
  let hasBody = false;
  let contentLength: number | undefined;
  let connection: string | undefined;
  let upgrade: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Switch on length first: most headers are skipped without lower-casing.
    switch (name.length) {
      case 4:
        if (equalsIgnoringCase(name, 'host')) host = raw[i + 1];
        break;
      case 6:
        if (equalsIgnoringCase(name, 'accept')) accept = raw[i + 1];
        break;
      case 7:
        if (equalsIgnoringCase(name, 'upgrade')) upgrade = raw[i + 1];
        break;
      case 10:
        if (equalsIgnoringCase(name, 'connection')) connection = connection === undefined ? raw[i + 1] : `${connection}, ${raw[i + 1]}`;
        break;
      case 12:
        if (equalsIgnoringCase(name, 'x-request-id')) {
          const value = raw[i + 1]!;
          // Bound what we echo back: a huge id, or one with control
          // characters (which HTTP/2 may let through), is replaced, not reflected.
          if (value.length > 0 && value.length <= 200 && isFieldValue(value)) requestId = value;
        }
        break;
      case 14:
        if (equalsIgnoringCase(name, 'content-length')) {
          contentLength = Number(raw[i + 1]);
          if (contentLength > 0) hasBody = true;
        }
        break;
      case 17:
        if (equalsIgnoringCase(name, 'transfer-encoding')) hasBody = true;
        break;
    }
  }
  return { host, accept, requestId, hasBody, contentLength, connection, upgrade, authority: undefined };
}

/** A request header's first value from the raw list ('' when absent); `name` is lower case. */
export function rawHeader(raw: readonly string[], name: string): string {
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && equalsIgnoringCase(key, name)) return raw[i + 1]!;
  }
  return '';
}
