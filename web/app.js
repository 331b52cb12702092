// The dashboard's shell: restores the session, routes #/<screen> to a view, and keeps the
// top bar (navigation, who is signed in, sign out) in step with the session.
import { currentSession, onSessionChange, restoreSession, signOut } from './api.js';
import { clear, errorBox, h } from './dom.js';
import { renderAudit } from './views/audit.js';
import { renderBackups } from './views/backups.js';
import { renderContainers } from './views/containers.js';
import { renderHistory } from './views/history.js';
import { renderOverview } from './views/overview.js';
import { renderSchedules } from './views/schedules.js';
import { renderSignIn } from './views/signin.js';
import { renderUpdate } from './views/update.js';

const SCREENS = {
  overview: { title: 'Overview', render: renderOverview },
  update: { title: 'Update', render: renderUpdate },
  history: { title: 'History', render: renderHistory },
  backups: { title: 'Backups', render: renderBackups },
  containers: { title: 'Containers', render: renderContainers },
  schedules: { title: 'Schedules', render: renderSchedules },
  audit: { title: 'Audit', render: renderAudit },
};

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');

function screenName() {
  const name = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return SCREENS[name] ? name : 'overview';
}

function showSignIn() {
  topbar.hidden = true;
  document.title = 'Sign in · GalaOS Updater';
  renderSignIn(clear(main), () => route());
}

function route() {
  const session = currentSession();
  if (!session) return showSignIn();
  topbar.hidden = false;
  const who = document.getElementById('who');
  who.textContent = `${session.actor} · ${session.role}`;
  who.title = `Session expires ${new Date(session.expiresAt).toLocaleString()}`;
  const name = screenName();
  for (const link of document.querySelectorAll('[data-route]')) {
    if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${SCREENS[name].title} · GalaOS Updater`;
  const view = clear(main);
  view.append(h('h1', {}, SCREENS[name].title));
  SCREENS[name].render(view);
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await signOut();
  } finally {
    window.location.hash = '#/overview';
  }
});

window.addEventListener('hashchange', () => {
  route();
  main.focus();
});

// An expired session (any call answered UNAUTHORIZED) returns to the sign-in page.
let signedIn = false;
onSessionChange((session) => {
  if (signedIn && !session) showSignIn();
  signedIn = Boolean(session);
});

restoreSession().then(route, (error) => {
  clear(main).append(errorBox(error, 'the session'));
});
