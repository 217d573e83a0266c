// Which certificate answers a TLS client's server name (SNI): the exact name
// first, then a wildcard one label up (`*.example.com` covers a.example.com,
// not a.b.example.com, as RFC 6125 has it), else none — the caller then
// uses its default, or refuses. Among certificates naming the same name the
// first listed wins (node's own addContext would let the last win).

export class SniMap<T> {
  private readonly exact = new Map<string, T>();
  private readonly wildcard = new Map<string, T>();

  /** `entries` in config order, each with the lower-case names its certificate covers. */
  constructor(entries: readonly { names: readonly string[]; value: T }[]) {
    for (const { names, value } of entries) {
      for (const name of names) {
        const table = name.startsWith('*.') ? this.wildcard : this.exact;
        const key = name.startsWith('*.') ? name.slice(2) : name;
        if (!table.has(key)) table.set(key, value);
      }
    }
  }

  /** The value for a client's server name, or undefined when no certificate covers it. */
  lookup(serverName: string): T | undefined {
    let name = serverName.toLowerCase();
    if (name.endsWith('.')) name = name.slice(0, -1);
    const exact = this.exact.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    // A wildcard stands for one whole label, never an empty one.
    return dot > 0 ? this.wildcard.get(name.slice(dot + 1)) : undefined;
  }
}
