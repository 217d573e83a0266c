// The message line under the top bar: the outcome of every admin action,
// cleared after a few seconds.
import { ApiError, Unauthorized } from './api.js';
import { h } from './dom.js';

const SHOWN_MS = 8_000;

export type Say = (text: string, kind?: 'ok' | 'error') => void;
/** Runs an admin call and reports it; resolves to whether it succeeded. */
export type Act = (what: string, run: () => Promise<unknown>) => Promise<boolean>;

export interface Messages {
  say: Say;
  act: Act;
}

/** `onTokenRefused` runs when an action's call answers 401, before the message shows. */
export function mountMessages(parent: HTMLElement, onTokenRefused: () => void): Messages {
  const box = h('div', { id: 'messages', role: 'status', 'aria-live': 'polite' });
  parent.append(box);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const say: Say = (text, kind = 'ok') => {
    box.replaceChildren(h('p', { class: `message ${kind}` }, kind === 'error' ? `✕ ${text}` : `✓ ${text}`));
    clearTimeout(timer);
    timer = setTimeout(() => box.replaceChildren(), SHOWN_MS);
  };
  const act: Act = async (what, run) => {
    try {
      await run();
      say(what);
      return true;
    } catch (err) {
      if (err instanceof Unauthorized) {
        onTokenRefused();
        say(`${what}: the admin token was refused`, 'error');
      } else {
        say(`${what} failed: ${err instanceof ApiError ? err.message : (err as Error).message}`, 'error');
      }
      return false;
    }
  };
  return { say, act };
}
