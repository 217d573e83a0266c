// Finds the first JSON syntax error and its offset. JSON.parse says where only
// for some errors ("Unexpected token '}', ... is not valid JSON" has no
// position), so after it fails this scanner walks the text by RFC 8259.

export interface JsonSyntaxError {
  offset: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const describe = (): string => (i >= text.length ? 'the end of the file' : `'${text[i]}'`);
  const fail = (expected: string): never => {
    throw new Stop(i, `unexpected ${describe()} (expected ${expected})`);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };

  const string = (): void => {
    const start = i;
    i++; // the opening quote
    for (;;) {
      if (i >= text.length || text[i] === '\n') throw new Stop(start, `unterminated string (expected a closing '"')`);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') throw new Stop(i, 'control character in a string (write it escaped, e.g. \\t)');
      if (c === '\\') {
        const next = text[i + 1] ?? '';
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (ESCAPES.has(next)) i += 2;
        else throw new Stop(i, `invalid escape \\${next} in a string (accepted: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
        continue;
      }
      i++;
    }
  };

  const value = (depth: number): void => {
    if (depth > 1000) throw new Stop(i, 'nested too deeply');
    space();
    const c = text[i];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (c !== undefined && NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    if (c === "'") fail('a value; JSON strings take double quotes');
    fail('a value: an object, a list, a "string", a number, true, false or null');
  };

  const object = (depth: number): void => {
    i++;
    space();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] === '}') throw new Stop(i, "a trailing comma before '}' (JSON allows none)");
      if (text[i] !== '"') fail('a property name in double quotes');
      string();
      space();
      if (text[i] !== ':') fail("':' after the property name");
      i++;
      value(depth + 1);
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail("',' or '}' after a property value");
    }
  };

  const array = (depth: number): void => {
    i++;
    space();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] === ']') throw new Stop(i, "a trailing comma before ']' (JSON allows none)");
      value(depth + 1);
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail("',' or ']' after a list item");
    }
  };

  try {
    value(0);
    space();
    if (i < text.length) fail('the end of the file after the value');
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, message: err.message };
    throw err;
  }
}
