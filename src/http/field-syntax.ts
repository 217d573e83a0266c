// The syntax of an HTTP field (RFC 9110 5.1, 5.5), whichever side and
// version reads or writes it: a name is a token; a value has no control
// character but tab, since a CR or LF would split the message that carries it.

const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const isFieldName = (name: string): boolean => FIELD_NAME.test(name);

export function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}
