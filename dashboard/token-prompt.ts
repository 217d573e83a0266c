// The admin token: the prompt that asks for it, and what happens when it is
// given, refused or forgotten. The token lives in the state and, for this
// tab, in sessionStorage (api.ts).
import { storeToken } from './api.js';
import { h, setText } from './dom.js';
import type { Say } from './messages.js';
import type { AppState } from './state.js';
import type { PageSettings } from './types.js';

/** Set when the user chose "Stay read-only", so a reload does not ask again. */
const DISMISSED_KEY = 'fairway.tokenDismissed';

export interface TokenPromptDeps {
  state: AppState;
  settings: PageSettings;
  /** Starts the data feed again: with the token it is live, without it read-only. */
  restart(): void;
  say: Say;
}

export interface TokenPrompt {
  /** The server answered 401: forget the token and ask again. */
  refused(): void;
  /** The top bar's button: forget the token when there is one, else ask for it. */
  toggle(): void;
  /** At page start: ask unless the tab already chose to stay read-only (which protected reads do not allow). */
  askIfNeeded(): void;
}

export function mountTokenPrompt(parent: HTMLElement, deps: TokenPromptDeps): TokenPrompt {
  const { state, settings } = deps;
  const why = h('span', { id: 'token-why' }, 'Enter it to use the controls; it is kept for this browser tab only.');
  const input = h('input', { id: 'token-input', type: 'password', autocomplete: 'off', required: true, size: 28 });
  const dismiss = h('button', { type: 'button', id: 'token-dismiss' }, 'Stay read-only');
  const error = h('p', { id: 'token-error', class: 'error', hidden: true });
  const panel = h(
    'form',
    { id: 'token-panel', class: 'notice', hidden: true },
    h('p', {}, h('strong', {}, 'This admin listener is protected by a token. '), why),
    h('label', { for: 'token-input' }, 'Admin token '),
    input,
    h('button', { type: 'submit' }, 'Use token'),
    dismiss,
    error,
  );
  parent.append(panel);

  const show = (message?: string) => {
    panel.hidden = false;
    error.hidden = message === undefined;
    setText(error, message ?? '');
    if (settings.readsProtected) setText(why, 'Nothing can be shown without it (admin.protectReads is on). It is kept for this browser tab only.');
    input.focus();
  };

  panel.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === '') return;
    input.value = '';
    state.token = token;
    storeToken(token);
    panel.hidden = true;
    deps.restart();
  });
  dismiss.addEventListener('click', () => {
    panel.hidden = true;
    try {
      sessionStorage.setItem(DISMISSED_KEY, '1');
    } catch {
      // not kept; the page asks again after a reload
    }
  });

  return {
    refused() {
      state.token = null;
      storeToken(null);
      show('That token was refused. Enter the admin token again, or stay read-only.');
      deps.restart();
    },
    toggle() {
      if (state.token !== null) {
        state.token = null;
        storeToken(null);
        deps.say('Token forgotten; the page is read-only now');
        deps.restart();
      } else show();
    },
    askIfNeeded() {
      if (!settings.tokenRequired || state.token !== null) return;
      let dismissed = false;
      try {
        dismissed = sessionStorage.getItem(DISMISSED_KEY) === '1';
      } catch {
        dismissed = false;
      }
      if (!dismissed || settings.readsProtected) show();
    },
  };
}
