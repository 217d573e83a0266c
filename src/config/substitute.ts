// `${VAR}` substitution in the raw file text, before parsing, so a variable can
// stand anywhere a value can (DESIGN.md's `token: ${ADMIN_TOKEN}` sits inside a
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

/**
 * Replaces `${NAME}` with env.NAME and `${NAME:-fallback}` with env.NAME, or the
 * fallback when unset or empty; `$${` is a literal `${`. Unset names without a
 * fallback are problems located at `label:line:col`.
 */
export function substituteEnv(
  text: string,
  env: NodeJS.ProcessEnv,
  label: string,
): { text: string; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
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
      problems.push({
        path,
        message: `environment variable ${name} is not set (set it, or give a default with \${${name}:-value})`,
      });
      return '';
    }
    return value;
  });
  return { text: out, problems };
}
