// Listeners: where the process accepts clients (address, scheme, protocols)
// and, for a TLS listener, each certificate's names and how long it has left.
import { h } from './dom.js';
import { panelSection } from './panel-section.js';
import type { CertificateView, ListenerView, Snapshot } from './types.js';

const DAY_MS = 86_400_000;
/** Fewer days left than this is a warning: time to renew. */
const WARN_DAYS = 14;

export interface ListenersPanel {
  render(s: Snapshot | null): void;
}

function address(l: ListenerView): string {
  return `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
}

function scheme(l: ListenerView): string {
  if (l.secure) return 'https';
  return l.redirectToHttps ? 'http → https' : 'http';
}

/** Days left as a word with a symbol, and its class: expired or close to it stands out. */
function expiry(c: CertificateView, now: number): HTMLElement {
  const days = Math.floor((Date.parse(c.notAfter) - now) / DAY_MS);
  const title = `valid until ${c.notAfter}`;
  if (c.expired || days < 0) return h('span', { class: 'bad', title, 'data-field': 'expiry' }, '✗ expired');
  const text = `${days} day${days === 1 ? '' : 's'} left`;
  if (days < WARN_DAYS) return h('span', { class: 'warn', title, 'data-field': 'expiry' }, `⚠ ${text}`);
  return h('span', { class: 'ok', title, 'data-field': 'expiry' }, `✓ ${text}`);
}

function certificates(l: ListenerView, now: number): HTMLElement | string {
  const list = l.tls?.certificates ?? [];
  if (list.length === 0) return '—';
  return h(
    'ul',
    { class: 'certs' },
    ...list.map((c) =>
      h('li', { 'data-certificate': c.name }, h('strong', {}, c.name), c.default ? ' (default)' : '', ' · ', c.subjectNames.join(', '), ' · ', expiry(c, now)),
    ),
  );
}

export function mountListenersPanel(parent: HTMLElement): ListenersPanel {
  const rows = h('tbody', { id: 'listener-rows' });
  const empty = h('p', { class: 'hint', hidden: true }, 'This server does not describe its listeners.');
  parent.append(
    panelSection(
      'listeners',
      'Listeners',
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'listeners' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Listener'), h('th', {}, 'Address'), h('th', {}, 'Scheme'), h('th', {}, 'Protocols'), h('th', {}, 'Certificates'))),
          rows,
        ),
      ),
      empty,
    ),
  );
  // Rebuilt when the listeners change, and once a minute for the days left.
  let shown = '';
  return {
    render(s) {
      if (s === null) return;
      const listeners = s.listeners;
      empty.hidden = listeners !== undefined;
      const now = Date.now();
      const key = `${Math.floor(now / 60_000)} ${JSON.stringify(listeners ?? [])}`;
      if (key === shown) return;
      shown = key;
      const cells = (listeners ?? []).map((l) =>
        h(
          'tr',
          { 'data-listener': l.name },
          h('td', {}, l.name),
          h('td', { 'data-field': 'address' }, address(l)),
          h('td', { 'data-field': 'scheme' }, scheme(l)),
          h('td', { 'data-field': 'protocols' }, l.protocols && l.protocols.length > 0 ? l.protocols.join(', ') : '—'),
          h('td', { 'data-field': 'certificates', class: 'wrap' }, certificates(l, now)),
        ),
      );
      rows.replaceChildren(...cells);
    },
  };
}
