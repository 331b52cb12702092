import { h } from '../dom.js';

// A modal confirmation (<dialog>): resolves true when the operator confirms. `body` states
// exactly what will happen. Escape or Cancel resolve false; focus starts on Cancel and returns
// to the control that opened the dialog when it closes.
export function confirmAction({ title, body, confirmLabel, danger = false }) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
    const confirm = h('button', { type: 'button', class: ['button', danger && 'danger'] }, confirmLabel);
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title),
      h('div', { class: 'dialog-body' }, body),
      h('div', { class: 'dialog-actions' }, cancel, confirm));
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => close(false));
    confirm.addEventListener('click', () => close(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
