import { signIn } from '../api.js';
import { h } from '../dom.js';

// The sign-in form: an API token (`galaos-updater token create`) is exchanged for a session.
export function renderSignIn(main, onSignedIn) {
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, placeholder: 'xxxxxxxxxxxx.xxxxxxxx…',
  });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Sign in');
  const form = h('form', { class: 'signin panel', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'GalaOS Updater'),
    h('p', { class: 'muted' }, 'Sign in with an API token. An admin creates one with:'),
    h('code', { class: 'command' }, 'galaos-updater token create --name NAME --role admin|viewer'),
    h('label', { for: 'token' }, 'API token'),
    input, message, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = '';
    try {
      await signIn(input.value.trim());
      input.value = '';
      onSignedIn();
    } catch (error) {
      message.textContent = error.code === 'UNAUTHORIZED' ? 'That token is not valid.' : error.message;
      button.disabled = false;
      input.focus();
    }
  });
  main.append(form);
  input.focus();
}
