// Small DOM and formatting helpers.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Creates an element: attributes (on* become listeners), then children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Sets text only when it changed (keeps selections and avoids layout work). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`no element #${id}`);
  return el as T;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export const fmt = {
  int: (n: number) => integer.format(n),
  rate: (n: number) => oneDecimal.format(n),
  ms(n: number | null | undefined): string {
    if (n === null || n === undefined || !Number.isFinite(n)) return '—';
    if (n < 1) return `${n.toFixed(2)} ms`;
    if (n < 100) return `${n.toFixed(1)} ms`;
    return `${integer.format(n)} ms`;
  },
  pct(fraction: number, digits = 1): string {
    return `${(fraction * 100).toFixed(digits)}%`;
  },
  /**
   * The error and success shares of `requests`, each with `digits` decimals.
   * Rounding each on its own can show 93.55% next to 6.46%; here the success
   * share is 100% minus the rounded error share, so the two add up.
   */
  shares(errors: number, requests: number, digits = 2): { errors: string; success: string } {
    const units = 100 * 10 ** digits;
    const errorUnits = requests === 0 ? 0 : Math.round((errors / requests) * units);
    const show = (u: number) => `${(u / 10 ** digits).toFixed(digits)}%`;
    return { errors: show(errorUnits), success: show(units - errorUnits) };
  },
  duration(seconds: number): string {
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400);
    const hh = Math.floor((s % 86400) / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = s % 60;
    if (d > 0) return `${d}d ${hh}h ${mm}m`;
    if (hh > 0) return `${hh}h ${mm}m ${ss}s`;
    if (mm > 0) return `${mm}m ${ss}s`;
    return `${ss}s`;
  },
  clock(ms: number): string {
    const d = new Date(ms);
    return d.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  },
};

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
