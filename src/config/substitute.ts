// `${VAR}` substitution in the raw file text, before parsing, so a variable can
// stand anywhere a value can (`admin: { token: ${ADMIN_TOKEN} }` sits inside a
// YAML flow mapping, where it would not survive parsing as a string).
import type { ConfigProblem } from './problems.js';

const REFERENCE = /\$\$\{|\$\{([^}\n]*)\}/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** `line:col` (1-based) of an offset in text. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** An unset `${NAME}` without a default: where it is, and what stands in for it. */
export interface UnsetReference {
  name: string;
  /** `label:line:col` of the reference. */
  where: string;
  /** A marker string put in its place; finding it in the parsed data tells where the variable was used. */
  placeholder: string;
}

/**
 * Replaces `${NAME}` with env.NAME and `${NAME:-fallback}` with env.NAME, or the
 * fallback when unset or empty; `$${` is a literal `${`. An unset name without a
 * fallback is replaced by a placeholder, not by nothing: an empty value would
 * change the syntax around it (`http://h:${P}` would become a YAML key `http://h`)
 * and bury the real problem under consequences of it.
 */
export function substituteEnv(
  text: string,
  env: NodeJS.ProcessEnv,
  label: string,
  options: { json?: boolean } = {},
): { text: string; problems: ConfigProblem[]; unset: UnsetReference[] } {
  const problems: ConfigProblem[] = [];
  const unset: UnsetReference[] = [];
  const out = text.replace(REFERENCE, (match: string, inner: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const where = lineCol(text, offset);
    const path = `${label}:${where.line}:${where.col}`;
    const parts = INNER.exec(inner ?? '');
    if (parts === null) {
      problems.push({ path, message: `${match} is not a variable reference (expected \${NAME} or \${NAME:-default}; write $\${ for a literal \${)` });
      return match;
    }
    const [, name, fallback] = parts as unknown as [string, string, string | undefined];
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      const placeholder = `__fairway_unset_${unset.length}__`;
      unset.push({ name, where: path, placeholder });
      // Outside a JSON string a bare word is a syntax error; a string is not.
      return options.json === true && !insideJsonString(text, offset) ? JSON.stringify(placeholder) : placeholder;
    }
    return value;
  });
  return { text: out, problems, unset };
}

// JSON strings cannot span lines, so the quotes before `offset` on its line tell.
function insideJsonString(text: string, offset: number): boolean {
  let inside = false;
  for (let i = text.lastIndexOf('\n', offset - 1) + 1; i < offset; i++) {
    if (text[i] === '\\' && inside) i++;
    else if (text[i] === '"') inside = !inside;
  }
  return inside;
}
