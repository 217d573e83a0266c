// Picks a content coding from a request's Accept-Encoding (RFC 9110 section
// 12.5.3): q-values weigh the codings, q=0 refuses one, `*` stands for every
// coding not named, and `identity` (no coding) wins when the client weighs
// it above every offered one. Ties go to the earlier coding in our order of
// preference. A header that is absent or empty asks for no coding.

/** Accept-Encoding values seen lately and their choice; browsers send a handful of distinct ones. */
const CACHE_LIMIT = 256;

// RFC 9110 section 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

export class EncodingNegotiator<E extends string> {
  private readonly cache = new Map<string, E | null>();

  /** `preference`: lower-case codings we can produce, most preferred first. */
  constructor(private readonly preference: readonly E[]) {}

  /** The coding to answer in, or undefined for none (send the body as it is). */
  choose(acceptEncoding: string): E | undefined {
    if (acceptEncoding === '') return undefined;
    let choice = this.cache.get(acceptEncoding);
    if (choice === undefined) {
      choice = this.pick(acceptEncoding);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(acceptEncoding, choice);
    }
    return choice ?? undefined;
  }

  private pick(header: string): E | null {
    const weights = new Map<string, number>();
    for (const element of header.split(',')) {
      const parts = element.split(';');
      let coding = parts[0]!.trim().toLowerCase();
      if (coding === '') continue;
      if (coding === 'x-gzip') coding = 'gzip'; // RFC 9110 section 8.4.1.3: the same coding
      let q = 1;
      for (let i = 1; i < parts.length; i++) {
        const param = parts[i]!.trim();
        const eq = param.indexOf('=');
        if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
        const value = param.slice(eq + 1).trim();
        q = QVALUE.test(value) ? Number(value) : NaN;
      }
      // A malformed weight makes the element unreadable: it counts as not sent.
      if (Number.isNaN(q)) continue;
      // Named twice: the higher weight stands (clients do not do this on purpose).
      weights.set(coding, Math.max(q, weights.get(coding) ?? 0));
    }
    const any = weights.get('*');
    let best: E | null = null;
    let bestQ = 0;
    for (const coding of this.preference) {
      const q = weights.get(coding) ?? any ?? 0;
      if (q > bestQ) {
        best = coding;
        bestQ = q;
      }
    }
    // Identity stays acceptable unless refused; it wins only when weighed higher.
    const identity = weights.get('identity');
    if (best !== null && identity !== undefined && identity > bestQ) return null;
    return best;
  }
}
