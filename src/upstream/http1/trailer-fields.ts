// Which trailer fields cross the proxy, either way: a well-formed field
// whose name neither frames, routes nor hops (RFC 9110 6.5.1). The others
// are dropped, not refused: the message itself is fine.

/** A field name is a token (RFC 9110 5.1). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

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

export const isFieldName = (name: string): boolean => FIELD_NAME.test(name);
/** No control characters but tab: they would break whatever frames the field next. */
export function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** The field may be passed on as a trailer. */
export function forwardableTrailer(name: string, value: string): boolean {
  return isFieldName(name) && isFieldValue(value) && !NOT_IN_TRAILERS.has(name.toLowerCase());
}
