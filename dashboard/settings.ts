// What the server tells the page about itself: the admin listener writes a
// JSON block (#fairway-config) into index.html when it serves it.
import type { PageSettings } from './types.js';

/** The embedded settings, or the defaults when the block is missing or unreadable. */
export function readSettings(): PageSettings {
  const el = document.getElementById('fairway-config');
  try {
    if (el?.textContent) return JSON.parse(el.textContent) as PageSettings;
  } catch {
    // fall through to the defaults
  }
  return { tokenRequired: false, readsProtected: false, demo: false };
}
