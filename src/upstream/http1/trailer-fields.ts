// Which trailer fields cross the proxy, either way: a well-formed field
// whose name neither frames, routes nor hops (RFC 9110 6.5.1). The others
// are dropped, not refused: the message itself is fine.

import { isFieldName, isFieldValue } from '../../http-syntax/field-syntax.js';

const NOT_IN_TRAILERS = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'content-encoding',
  'content-type',
]);

/** The field may be passed on as a trailer. */
export function forwardableTrailer(name: string, value: string): boolean {
  return isFieldName(name) && isFieldValue(value) && !NOT_IN_TRAILERS.has(name.toLowerCase());
}
