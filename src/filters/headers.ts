// The `headers` middleware: sets and removes headers on the request sent to
// the backend and on the answer sent to the client. `set` replaces every
// value the header had; removals follow. Names match case-insensitively and
// are sent with their configured spelling.
import type { HeaderChanges, HeadersMiddlewareConfig } from '../config/types.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter } from '../exchange/phases.js';

/** Applies `changes` to a flat [name, value, ...] list in place. */
export function applyHeaderChanges(headers: string[], changes: HeaderChanges): void {
  const dropped = new Set(changes.remove);
  for (const s of changes.set) dropped.add(s.lower);
  let kept = 0;
  for (let i = 0; i < headers.length; i += 2) {
    if (dropped.has(headers[i]!.toLowerCase())) continue;
    headers[kept] = headers[i]!;
    headers[kept + 1] = headers[i + 1]!;
    kept += 2;
  }
  headers.length = kept;
  // Validation refuses setting and removing one name on the same side.
  for (const s of changes.set) headers.push(s.name, s.value);
}

function changesAnything(changes: HeaderChanges): boolean {
  return changes.set.length > 0 || changes.remove.length > 0;
}

export class HeadersFilter implements Filter {
  onUpstreamRequest?: (ex: Exchange) => void;
  onResponse?: (ex: Exchange) => void;

  constructor(
    readonly name: string,
    config: HeadersMiddlewareConfig,
  ) {
    // Only the sides with changes get a hook, so the other phase costs nothing.
    if (changesAnything(config.request)) {
      this.onUpstreamRequest = (ex) => applyHeaderChanges(ex.editUpstreamHeaders(), config.request);
    }
    if (changesAnything(config.response)) {
      this.onResponse = (ex) => applyHeaderChanges(ex.responseHeaders, config.response);
    }
  }
}
