// A strict parser of RFC 8941 Lists (structured fields) for tests: each
// member an Item (a bare item and its parameters), no Inner Lists. Anything
// the RFC does not allow throws, so a header that passes is well-formed.
export type BareItem = number | string | boolean | { token: string } | { bytes: string };

export interface SfItem {
  value: BareItem;
  params: Map<string, BareItem>;
}

class Reader {
  i = 0;
  constructor(readonly text: string) {}
  get rest(): string {
    return this.text.slice(this.i);
  }
  fail(what: string): never {
    throw new Error(`not a structured field (${what}) at ${this.i} in ${JSON.stringify(this.text)}`);
  }
}

function bareItem(r: Reader): BareItem {
  const c = r.text[r.i];
  if (c === '"') {
    let out = '';
    r.i++;
    for (;;) {
      const ch = r.text[r.i++];
      if (ch === undefined) r.fail('unterminated string');
      if (ch === '\\') {
        const next = r.text[r.i++];
        if (next !== '"' && next !== '\\') r.fail('bad escape');
        out += next;
      } else if (ch === '"') return out;
      else if (ch < ' ' || ch > '~') r.fail('non-printable in string');
      else out += ch;
    }
  }
  if (c === '?') {
    const m = /^\?[01]/.exec(r.rest) ?? r.fail('boolean');
    r.i += 2;
    return m[0] === '?1';
  }
  if (c === ':') {
    const m = /^:([A-Za-z0-9+/=]*):/.exec(r.rest) ?? r.fail('byte sequence');
    r.i += m[0].length;
    return { bytes: m[1]! };
  }
  if (c !== undefined && /[-0-9]/.test(c)) {
    const m = /^-?[0-9]{1,15}(\.[0-9]{1,3})?/.exec(r.rest) ?? r.fail('number');
    if (m[1] === undefined && m[0].replace('-', '').length > 15) r.fail('integer too long');
    r.i += m[0].length;
    return Number(m[0]);
  }
  if (c !== undefined && /[A-Za-z*]/.test(c)) {
    const m = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(r.rest)!;
    r.i += m[0].length;
    return { token: m[0] };
  }
  return r.fail('bare item');
}

function parameters(r: Reader): Map<string, BareItem> {
  const params = new Map<string, BareItem>();
  while (r.text[r.i] === ';') {
    r.i++;
    while (r.text[r.i] === ' ') r.i++;
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(r.rest) ?? r.fail('parameter key');
    r.i += m[0].length;
    let value: BareItem = true;
    if (r.text[r.i] === '=') {
      r.i++;
      value = bareItem(r);
    }
    params.set(m[0], value);
  }
  return params;
}

/** Parses a List field value (its lines joined with ", "); throws on anything RFC 8941 rejects. */
export function parseSfList(text: string): SfItem[] {
  const r = new Reader(text.replace(/^[ ]+|[ ]+$/g, ''));
  const items: SfItem[] = [];
  if (r.text === '') return items;
  for (;;) {
    if (r.text[r.i] === '(') r.fail('inner lists are not expected here');
    items.push({ value: bareItem(r), params: parameters(r) });
    while (r.text[r.i] === ' ' || r.text[r.i] === '\t') r.i++;
    if (r.i === r.text.length) return items;
    if (r.text[r.i++] !== ',') r.fail('expected a comma');
    while (r.text[r.i] === ' ' || r.text[r.i] === '\t') r.i++;
    if (r.i === r.text.length) r.fail('trailing comma');
  }
}
