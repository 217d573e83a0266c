// The `headers` middleware: sets and removes headers on the request sent to
// the backend and on the answer sent to the client. `set` replaces every
// value the header had; removals follow. Names match case-insensitively and
// are sent with their configured spelling.
import type { HeaderChanges, HeadersMiddlewareConfig } from '../config/types.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter } from '../exchange/phases.js';

/** One side's changes, prepared once per routing snapshot. */
export class HeaderEdit {
  /** Lower-case names whose values go: the removed ones and the ones set anew. */
  private readonly dropped: ReadonlySet<string>;
  /** Their lengths: a header of another length is kept without lower-casing it. */
  private readonly droppedLengths: ReadonlySet<number>;

  constructor(private readonly changes: HeaderChanges) {
    const dropped = new Set(changes.remove);
    for (const s of changes.set) dropped.add(s.lower);
    this.dropped = dropped;
    this.droppedLengths = new Set([...dropped].map((n) => n.length));
  }

  get empty(): boolean {
    return this.changes.set.length === 0 && this.changes.remove.length === 0;
  }

  /** Applies the changes to a flat [name, value, ...] list in place. */
  apply(headers: string[]): void {
    let kept = 0;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (this.droppedLengths.has(name.length) && this.dropped.has(name.toLowerCase())) continue;
      headers[kept] = name;
      headers[kept + 1] = headers[i + 1]!;
      kept += 2;
    }
    headers.length = kept;
    // Validation refuses setting and removing one name on the same side.
    for (const s of this.changes.set) headers.push(s.name, s.value);
  }
}

export class HeadersFilter implements Filter {
  onUpstreamRequest?: (ex: Exchange) => void;
  onResponse?: (ex: Exchange) => void;

  constructor(
    readonly name: string,
    config: HeadersMiddlewareConfig,
  ) {
    // Only the sides with changes get a hook, so the other phase costs nothing.
    const request = new HeaderEdit(config.request);
    const response = new HeaderEdit(config.response);
    if (!request.empty) this.onUpstreamRequest = (ex) => request.apply(ex.editUpstreamHeaders());
    if (!response.empty) this.onResponse = (ex) => response.apply(ex.responseHeaders);
  }
}
