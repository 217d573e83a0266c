// The `basicAuth` middleware: a request passes with an Authorization: Basic
// header naming a configured user and that user's password, and is answered
// 401 with a challenge otherwise. A password check is slow by design (bcrypt),
// so a successful one is remembered for a few minutes, keyed by a SHA-256 of
// the header (the password itself is not kept), and checks of one header that
// arrive together share one computation.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { BasicAuthMiddlewareConfig, PasswordHash } from '../config/types.js';
import { SlotKey, type Exchange } from '../exchange/exchange.js';
import type { Filter, LocalAnswer, RequestVerdict } from '../exchange/phases.js';
import { passwordMatches } from './password-check.js';

/** How long a successful check is remembered, and how many are. */
const REMEMBER_MS = 5 * 60_000;
const REMEMBER_MAX = 1024;

const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/** The authenticated user of a request, for headerField. */
const USER = new SlotKey<string>('basic-auth-user');

/** The user and password of an Authorization: Basic value, or undefined when it is not one. */
export function basicCredentials(authorization: string): { user: string; password: Buffer } | undefined {
  const m = BASIC.exec(authorization);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon <= 0) return undefined;
  return { user: decoded.subarray(0, colon).toString('utf8'), password: decoded.subarray(colon + 1) };
}

/** Successful checks by SHA-256 of the Authorization value, oldest first, bounded in count and age. */
class RememberedChecks {
  private readonly users = new Map<string, { user: string; until: number }>();

  get(key: string, now: number): string | undefined {
    const hit = this.users.get(key);
    if (hit === undefined) return undefined;
    if (hit.until > now) return hit.user;
    this.users.delete(key);
    return undefined;
  }

  add(key: string, user: string, now: number): void {
    this.users.delete(key);
    this.users.set(key, { user, until: now + REMEMBER_MS });
    if (this.users.size > REMEMBER_MAX) this.users.delete(this.users.keys().next().value!);
  }
}

/** A header value fairway can send: the user name as it is when it is printable ASCII, percent-encoded otherwise. */
function headerValueOf(user: string): string {
  return /^[\x20-\x7e]*$/.test(user) ? user : encodeURIComponent(user);
}

export class BasicAuth implements Filter {
  onUpstreamRequest?: (ex: Exchange) => void;
  private readonly users: ReadonlyMap<string, PasswordHash>;
  private readonly remembered = new RememberedChecks();
  /** Checks under way, by key: requests with the same header wait for the same one. */
  private readonly checking = new Map<string, Promise<string | undefined>>();
  private readonly challenge: LocalAnswer;
  private readonly headerField: string | undefined;

  constructor(
    readonly name: string,
    config: BasicAuthMiddlewareConfig,
  ) {
    this.users = new Map(config.users.map((u) => [u.name, u.hash]));
    this.headerField = config.headerField;
    this.challenge = {
      status: 401,
      headers: ['www-authenticate', `Basic realm="${config.realm}", charset="UTF-8"`, 'cache-control', 'no-store'],
      body: '401 authentication required\n',
      reason: 'unauthorized',
    };
    const field = config.headerField;
    const fieldLower = field?.toLowerCase();
    if (config.removeHeader || field !== undefined) {
      this.onUpstreamRequest = (ex) => {
        const headers = ex.editUpstreamHeaders();
        let kept = 0;
        for (let i = 0; i < headers.length; i += 2) {
          const lower = headers[i]!.toLowerCase();
          if ((config.removeHeader && lower === 'authorization') || lower === fieldLower) continue;
          headers[kept] = headers[i]!;
          headers[kept + 1] = headers[i + 1]!;
          kept += 2;
        }
        headers.length = kept;
        const user = ex.slot(USER);
        if (field !== undefined && user !== undefined) headers.push(field, headerValueOf(user));
      };
    }
  }

  onRequest(ex: Exchange): RequestVerdict | Promise<RequestVerdict> {
    const authorization = ex.header('authorization');
    if (authorization === '') return this.challenge;
    const key = createHash('sha256').update(authorization).digest('base64');
    const known = this.remembered.get(key, Date.now());
    if (known !== undefined) return this.admit(ex, known);
    let check = this.checking.get(key);
    if (check === undefined) {
      check = this.check(authorization, key);
      this.checking.set(key, check);
      const forget = (): void => void this.checking.delete(key);
      check.then(forget, forget);
    }
    return check.then((user) => (user === undefined ? this.challenge : this.admit(ex, user)));
  }

  private admit(ex: Exchange, user: string): undefined {
    if (this.headerField !== undefined) ex.setSlot(USER, user);
    return undefined;
  }

  /** The user the header authenticates, or undefined. */
  private async check(authorization: string, key: string): Promise<string | undefined> {
    const credentials = basicCredentials(authorization);
    if (credentials === undefined) return undefined;
    const stored = this.users.get(credentials.user);
    if (stored === undefined || !(await passwordMatches(stored, credentials.password))) return undefined;
    this.remembered.add(key, credentials.user, Date.now());
    return credentials.user;
  }
}
