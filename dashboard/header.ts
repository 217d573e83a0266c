// The top bar: the name, the connection pill, and the buttons that pause
// updates and enter or forget the token. What the buttons do is the
// caller's; the bar only shows state.
import { h, setText } from './dom.js';
import type { ConnectionStatus } from './state.js';

export interface HeaderActions {
  onPauseClick(): void;
  onTokenClick(): void;
}

export interface Header {
  renderConnection(status: ConnectionStatus, reconnectInMs: number): void;
  renderPaused(paused: boolean): void;
  renderTokenButton(tokenRequired: boolean, hasToken: boolean): void;
}

export function mountHeader(parent: HTMLElement, actions: HeaderActions): Header {
  const pill = h('span', { id: 'connection', class: 'pill', role: 'status' }, 'Connecting…');
  const pause = h('button', { id: 'pause', type: 'button' }, '‖ Pause updates');
  const tokenButton = h('button', { id: 'token-button', type: 'button', hidden: true }, 'Enter token');
  parent.append(
    h(
      'header',
      { class: 'top' },
      h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }), ' fairway ', h('span', { class: 'sub' }, 'dashboard')),
      pill,
      h('div', { class: 'top-actions' }, pause, tokenButton),
    ),
  );
  pause.addEventListener('click', () => actions.onPauseClick());
  tokenButton.addEventListener('click', () => actions.onTokenClick());
  return {
    renderConnection(status, reconnectInMs) {
      const text: Record<ConnectionStatus, string> = {
        connecting: '… Connecting',
        live: '● Live',
        polling: '● Live (read-only, polling)',
        paused: '‖ Paused',
        reconnecting: `↻ Reconnecting in ${Math.round(reconnectInMs / 1000)} s`,
        locked: '⚠ Token needed',
      };
      setText(pill, text[status]);
      pill.className = `pill conn-${status}`;
    },
    renderPaused(paused) {
      setText(pause, paused ? '▶ Resume updates' : '‖ Pause updates');
      pause.setAttribute('aria-pressed', String(paused));
    },
    renderTokenButton(tokenRequired, hasToken) {
      tokenButton.hidden = !tokenRequired;
      setText(tokenButton, hasToken ? 'Forget token' : 'Enter token');
    },
  };
}
