// Controls: the frame around the algorithm forms and the test form, with the
// note that says why they are disabled without the token.
import { h } from './dom.js';
import { panelSection } from './panel-section.js';

export interface ControlsParts {
  algorithmForms: HTMLElement;
  testForm: HTMLElement;
  testStatus: HTMLElement;
}

export interface ControlsPanel {
  render(canControl: boolean): void;
}

export function mountControlsPanel(parent: HTMLElement, parts: ControlsParts): ControlsPanel {
  const note = h('p', { id: 'controls-note', class: 'hint', hidden: true }, 'Controls are disabled: enter the admin token to use them.');
  parent.append(panelSection('controls', 'Controls', note, h('h3', {}, 'Algorithm'), parts.algorithmForms, h('h3', {}, 'Tests'), parts.testForm, parts.testStatus));
  return {
    render(canControl) {
      note.hidden = canControl;
    },
  };
}
