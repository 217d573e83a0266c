// The notice shown while the page is read-only (no token), saying what is
// missing and where the numbers come from instead.
import { h } from './dom.js';

export interface ReadOnlyNote {
  /** Shown without control, unless reads are protected: then nothing is shown at all. */
  render(canControl: boolean, readsProtected: boolean): void;
}

export function mountReadOnlyNote(parent: HTMLElement): ReadOnlyNote {
  const note = h('p', { id: 'readonly-note', class: 'notice', hidden: true }, 'Read-only: controls need the admin token, and so does the sample of recent requests; this view polls /lb/stats.');
  parent.append(note);
  return {
    render(canControl, readsProtected) {
      note.hidden = canControl || readsProtected;
    },
  };
}
