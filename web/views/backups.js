import { isAdmin, mutate, query } from '../api.js';
import { clear, errorBox, formatBytes, h, loading, notice, timeElement, VIEWER_NOTE } from '../dom.js';
import { confirmAction } from './confirm.js';

function contents(backup) {
  const manifest = backup.metadata?.manifest;
  if (!manifest) return '—';
  const files = manifest.files?.length ?? 0;
  const parts = [`${files} ${files === 1 ? 'file' : 'files'}`];
  if (manifest.database) parts.push(`${manifest.database.kind} database`);
  return parts.join(' + ');
}

// What a rollback to `backup` restores, from its manifest: the code (its files), the
// database, or both; and what it leaves alone.
function restores(backup) {
  const manifest = backup.metadata?.manifest;
  if (!manifest) return { what: 'The application returns', untouched: 'What the backup holds is unknown: its manifest cannot be read.' };
  const files = manifest.files?.length ?? 0;
  const code = files > 0 ? `The application’s code (${files} ${files === 1 ? 'file' : 'files'})` : null;
  const database = manifest.database ? `its ${manifest.database.kind} database` : null;
  if (code && database) return { what: `${code} and ${database} return`, untouched: null };
  if (code) return { what: `${code} returns`, untouched: 'The backup holds no database: the database is left as it is.' };
  if (database) return { what: `The application’s ${manifest.database.kind} database returns`, untouched: 'The backup holds no code: the files are left as they are.' };
  return { what: 'Nothing returns', untouched: 'The backup holds neither code nor a database.' };
}

async function rollback(backup, status, reload) {
  const { what, untouched } = restores(backup);
  const confirmed = await confirmAction({
    title: `Roll back to ${backup.version}?`,
    body: [
      h('p', { class: 'rollback-restores' }, `${what} to the backup taken `,
        timeElement(backup.timestamp), ` (version ${backup.version}, commit ${String(backup.metadata?.commit ?? '').slice(0, 12)}).`),
      untouched ? h('p', { class: 'rollback-untouched' }, untouched) : null,
      h('p', {}, 'Changes since then are replaced. The rollback is recorded in the history and the audit log.'),
    ],
    confirmLabel: 'Roll back',
    danger: true,
  });
  if (!confirmed) return;
  status.replaceChildren(loading('Rolling back…'));
  try {
    const result = await mutate('rollback', { backupPath: backup.id });
    status.replaceChildren(result.success
      ? notice('good', `Rolled back to ${result.newVersion}.`)
      : notice('bad', `Rollback failed: ${(result.errors ?? []).join('; ')}`));
  } catch (error) {
    status.replaceChildren(notice('bad', `Rollback refused: ${error.message}`));
  }
  reload();
}

async function clean(keepInput, status, reload) {
  const keep = Number(keepInput.value);
  if (!Number.isInteger(keep) || keep < 1) {
    status.replaceChildren(notice('bad', 'Keep at least 1 backup.'));
    keepInput.focus();
    return;
  }
  const confirmed = await confirmAction({
    title: 'Delete old backups?',
    body: h('p', {}, `Every backup but the newest ${keep} is deleted for good.`),
    confirmLabel: 'Delete old backups',
    danger: true,
  });
  if (!confirmed) return;
  try {
    const result = await mutate('cleanBackups', { keepCount: keep });
    status.replaceChildren(notice('good', result.message));
  } catch (error) {
    status.replaceChildren(notice('bad', `Clean refused: ${error.message}`));
  }
  reload();
}

function backupTable(backups, status, reload) {
  if (!backups.length) return h('p', { class: 'muted' }, 'No backups yet: one is taken before each update.');
  const admin = isAdmin();
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, ['Taken', 'Version', 'Size', 'Contents', 'Verified', '']
      .map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, backups.map((backup) => h('tr', {},
      h('td', {}, timeElement(backup.timestamp)),
      h('td', { class: 'mono' }, backup.version),
      h('td', {}, formatBytes(backup.metadata?.sizeBytes)),
      h('td', {}, contents(backup)),
      h('td', {}, backup.metadata?.verified ? 'yes' : 'no'),
      h('td', { class: 'actions' }, h('button', {
        type: 'button', class: 'button secondary small', 'data-action': 'rollback',
        disabled: !admin, title: admin ? `Roll back to ${backup.version}` : VIEWER_NOTE,
        onclick: () => rollback(backup, status, reload),
      }, 'Roll back')))))));
}

export function renderBackups(view) {
  const admin = isAdmin();
  const status = h('div', { class: 'status-line' });
  const list = h('section', { class: 'panel', 'aria-label': 'Backups' });
  const keepInput = h('input', {
    id: 'keep-count', type: 'number', min: 1, value: 5, inputmode: 'numeric', disabled: !admin,
  });
  const reload = () => {
    clear(list).append(loading());
    query('listBackups').then(
      (backups) => clear(list).append(backupTable(backups, status, reload)),
      (error) => clear(list).append(errorBox(error, 'the backups')));
  };
  const cleanForm = h('form', { class: 'panel inline-form', 'aria-label': 'Clean old backups' },
    h('label', { for: 'keep-count' }, 'Keep the newest'), keepInput, h('span', {}, 'backups'),
    h('button', {
      type: 'submit', class: 'button secondary', disabled: !admin, 'data-action': 'clean',
      title: admin ? 'Delete older backups' : VIEWER_NOTE,
    }, 'Clean up…'));
  cleanForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clean(keepInput, status, reload);
  });
  if (!admin) view.append(h('p', { class: 'notice neutral' }, VIEWER_NOTE));
  view.append(status, list, cleanForm);
  reload();
}
