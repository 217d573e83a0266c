// The answer of a plain listener with `redirectToHttps`: 308 (the method and
// body are kept, unlike 301) to the same host and path over https://.
import type { LocalAnswer } from './phases.js';
import { hostName } from './router.js';

// A host name or an IP literal; anything else would make a Location that points elsewhere.
const PLAIN_HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/;

/** Whether a host name (lower case, as hostName gives it) can go into a Location as it is. */
export function isPlainHost(host: string): boolean {
  return PLAIN_HOST.test(host);
}

/** The redirect for `target` (origin-form) on `hostHeader`; undefined when the host is missing or not a plain host. */
export function httpsRedirect(hostHeader: string | undefined, target: string, port: number | undefined): LocalAnswer | undefined {
  if (hostHeader === undefined) return undefined;
  const host = hostName(hostHeader);
  if (!isPlainHost(host)) return undefined;
  const authority = port === undefined || port === 443 ? host : `${host}:${port}`;
  const path = target.startsWith('/') ? target : '/';
  return { status: 308, headers: ['location', `https://${authority}${path}`], reason: 'https_redirect' };
}
