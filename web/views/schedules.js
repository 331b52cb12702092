import { isAdmin, mutate, query } from '../api.js';
import { clear, errorBox, h, loading, notice, timeElement, VIEWER_NOTE } from '../dom.js';
import { confirmAction } from './confirm.js';

const CHANNELS = ['database', 'webhook', 'slack', 'email'];
const TYPES = { code: 'code', docker: 'containers', both: 'code and containers' };

// The form field a createSchedule error is about. The server names a field ("schedule:
// required") or says what was wrong ("invalid cron expression …"); the window is tested
// before the zone, since a window's message can name its zone.
const FIELD_ERRORS = [
  ['maintenanceWindow', /^maintenanceWindow:|maintenance window/i],
  ['notificationChannels', /^notificationChannels:|notification channel/i],
  ['schedule', /^schedule:|cron/i],
  ['timezone', /^timezone:|time zone/i],
  ['updateType', /^updateType:/],
];

function fieldOf(message) {
  return FIELD_ERRORS.find(([, pattern]) => pattern.test(message))?.[0] ?? null;
}

function yesNo(value) {
  return h('span', { class: ['badge', value ? 'good' : 'neutral'] }, value ? 'yes' : 'no');
}

// The last run: its time and the result the scheduler recorded.
function lastRun(schedule) {
  if (!schedule.lastRun) return h('span', { class: 'muted' }, 'never');
  return [timeElement(schedule.lastRun),
    schedule.lastResult ? h('div', { class: 'small muted last-result' }, schedule.lastResult) : null];
}

function nextRuns(schedule) {
  if (!schedule.nextRuns?.length) return h('span', { class: 'muted' }, 'never again');
  return h('ol', { class: 'next-runs', 'aria-label': `Next runs of ${schedule.description}` },
    schedule.nextRuns.map((run, index) => h('li', { class: index === 0 && schedule.enabled ? 'next' : null },
      timeElement(run))));
}

async function setEnabled(schedule, status, reload) {
  try {
    const updated = await mutate('setScheduleEnabled', { scheduleId: schedule.id, enabled: !schedule.enabled });
    status.replaceChildren(notice('good', `${updated.enabled ? 'Enabled' : 'Disabled'}: ${updated.description}.`));
  } catch (error) {
    status.replaceChildren(notice('bad', `Refused: ${error.message}`));
  }
  reload();
}

async function remove(schedule, status, reload) {
  const confirmed = await confirmAction({
    title: 'Remove this schedule?',
    body: [h('p', {}, `“${schedule.description}” (${TYPES[schedule.updateType]}`,
      schedule.autoApply ? ', applies updates' : ', checks only', ') stops for good.'),
    h('p', {}, 'Past runs stay in the history; the removal is recorded in the audit log.')],
    confirmLabel: 'Remove',
    danger: true,
  });
  if (!confirmed) return;
  try {
    await mutate('removeSchedule', { scheduleId: schedule.id });
    status.replaceChildren(notice('good', `Removed: ${schedule.description}.`));
  } catch (error) {
    status.replaceChildren(notice('bad', `Remove refused: ${error.message}`));
  }
  reload();
}

function scheduleTable(schedules, status, reload) {
  if (!schedules.length) return h('p', { class: 'muted' }, 'No schedules: updates run only when someone starts one.');
  const admin = isAdmin();
  const title = (text) => (admin ? text : VIEWER_NOTE);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table schedules' },
    h('thead', {}, h('tr', {}, ['Schedule', 'Updates', 'Window', 'Channels', 'Last run', 'Next runs', '']
      .map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, schedules.map((schedule) => h('tr', { class: 'schedule', 'data-schedule': schedule.id },
      h('td', {},
        h('strong', { class: 'schedule-description' }, schedule.description),
        schedule.enabled ? null : h('span', { class: 'badge neutral' }, 'disabled'),
        h('div', { class: 'mono small' }, schedule.schedule, ' ', h('span', { class: 'muted' }, schedule.timezone))),
      h('td', {}, TYPES[schedule.updateType] ?? schedule.updateType,
        h('div', { class: 'small' }, 'auto-apply ', yesNo(schedule.autoApply))),
      h('td', { class: 'small' }, schedule.maintenanceWindow ?? h('span', { class: 'muted' }, 'any time')),
      h('td', { class: 'small' }, schedule.notificationChannels.length
        ? schedule.notificationChannels.join(', ') : h('span', { class: 'muted' }, 'all enabled')),
      h('td', {}, lastRun(schedule)),
      h('td', {}, nextRuns(schedule)),
      h('td', { class: 'actions' },
        h('button', {
          type: 'button', class: 'button secondary small', 'data-action': schedule.enabled ? 'disable' : 'enable',
          disabled: !admin, title: title(schedule.enabled ? 'Stop running it (kept)' : 'Run it again'),
          onclick: () => setEnabled(schedule, status, reload),
        }, schedule.enabled ? 'Disable' : 'Enable'), ' ',
        h('button', {
          type: 'button', class: 'button secondary small', 'data-action': 'remove-schedule',
          disabled: !admin, title: title('Remove this schedule'),
          onclick: () => remove(schedule, status, reload),
        }, 'Remove')))))));
}

// One labelled field of the create form with the place for its server error.
function field(name, label, control, hint) {
  const error = h('p', { class: 'form-error field-error', id: `error-${name}`, 'data-field': name });
  control.setAttribute('aria-describedby', `error-${name}`);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control,
    hint ? h('span', { class: 'muted small' }, hint) : null, error);
}

function createForm(status, reload) {
  const admin = isAdmin();
  const cron = h('input', { id: 'schedule-cron', name: 'schedule', required: true, placeholder: '0 3 * * 0', disabled: !admin, spellcheck: 'false' });
  const zone = h('input', { id: 'schedule-timezone', name: 'timezone', placeholder: 'the daemon’s zone', disabled: !admin, spellcheck: 'false' });
  const type = h('select', { id: 'schedule-type', name: 'updateType', disabled: !admin },
    Object.entries(TYPES).map(([value, text]) => h('option', { value }, text)));
  const windowInput = h('input', { id: 'schedule-window', name: 'maintenanceWindow', placeholder: 'Sat,Sun 02:00-05:00', disabled: !admin, spellcheck: 'false' });
  const channels = h('fieldset', { class: 'channels', id: 'schedule-channels', disabled: !admin },
    h('legend', {}, 'Notify'),
    CHANNELS.map((channel) => h('label', { class: 'option' },
      h('input', { type: 'checkbox', name: 'channel', value: channel }), channel)));
  const autoApply = h('input', { id: 'schedule-autoApply', type: 'checkbox', name: 'autoApply', disabled: !admin });
  const enabled = h('input', { id: 'schedule-enabled', type: 'checkbox', name: 'enabled', checked: true, disabled: !admin });
  const formError = h('p', { class: 'form-error', role: 'alert', 'data-field': '' });
  const submit = h('button', { type: 'submit', class: 'button', 'data-action': 'create-schedule', disabled: !admin, title: admin ? null : VIEWER_NOTE }, 'Create schedule');
  const channelError = h('p', { class: 'form-error field-error', id: 'error-notificationChannels', 'data-field': 'notificationChannels' });
  const form = h('form', { class: 'panel schedule-form', 'aria-label': 'New schedule', novalidate: true },
    h('h2', {}, 'New schedule'),
    h('div', { class: 'form-grid' },
      field('schedule', 'Cron expression', cron, '5 or 6 fields, or @daily, @weekly…'),
      field('timezone', 'Time zone', zone, 'IANA name, e.g. Europe/Berlin'),
      field('updateType', 'Updates', type),
      field('maintenanceWindow', 'Maintenance window', windowInput, 'optional: auto-apply only inside it')),
    h('div', { class: 'form-grid' },
      h('div', {}, channels, channelError),
      h('div', {},
        h('label', { class: 'option' }, autoApply, 'Apply updates automatically (else only announce them)'),
        h('label', { class: 'option' }, enabled, 'Enabled'))),
    formError,
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const error of form.querySelectorAll('.form-error')) error.textContent = '';
    const input = {
      schedule: cron.value.trim(),
      updateType: type.value,
      autoApply: autoApply.checked,
      enabled: enabled.checked,
      notificationChannels: [...form.querySelectorAll('input[name="channel"]:checked')].map((box) => box.value),
    };
    if (zone.value.trim()) input.timezone = zone.value.trim();
    if (windowInput.value.trim()) input.maintenanceWindow = windowInput.value.trim();
    submit.disabled = true;
    try {
      const created = await mutate('createSchedule', input);
      status.replaceChildren(notice('good', `Created: ${created.description}.`));
      form.reset();
      reload();
    } catch (error) {
      // Each problem (joined by "; ") next to its field; the rest above the button.
      let first = null;
      for (const problem of error.message.split('; ')) {
        const name = error.code === 'BAD_REQUEST' ? fieldOf(problem) : null;
        const place = form.querySelector(`.form-error[data-field="${name ?? ''}"]`);
        place.textContent = place.textContent ? `${place.textContent}; ${problem}` : problem;
        first ??= name ? form.elements[name] ?? form.querySelector('input[name="channel"]') : null;
      }
      first?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function triggerForm(status, reload) {
  const admin = isAdmin();
  const type = h('select', { id: 'trigger-type', name: 'updateType', disabled: !admin },
    Object.entries(TYPES).map(([value, text]) => h('option', { value }, text)));
  const checkOnly = h('input', { id: 'trigger-checkOnly', type: 'checkbox', name: 'checkOnly', checked: true, disabled: !admin });
  const submit = h('button', { type: 'submit', class: 'button secondary', 'data-action': 'trigger', disabled: !admin, title: admin ? null : VIEWER_NOTE }, 'Run now…');
  const form = h('form', { class: 'panel inline-form trigger-form', 'aria-label': 'Run now' },
    h('label', { for: 'trigger-type' }, 'Run a check of'), type,
    h('label', { class: 'option' }, checkOnly, 'only check and announce'), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const what = TYPES[type.value];
    const confirmed = await confirmAction({
      title: checkOnly.checked ? `Check for ${what} updates now?` : `Update ${what} now?`,
      body: h('p', {}, checkOnly.checked
        ? `The daemon checks for ${what} updates now and announces any it finds; nothing is changed.`
        : `The daemon checks for ${what} updates now and applies what it finds, ignoring maintenance windows, with a backup and a rollback on failure.`),
      confirmLabel: checkOnly.checked ? 'Check now' : 'Update now',
      danger: !checkOnly.checked,
    });
    if (!confirmed) return;
    submit.disabled = true;
    status.replaceChildren(loading(checkOnly.checked ? 'Checking…' : 'Updating…'));
    try {
      const result = await mutate('triggerUpdate', { updateType: type.value, options: { checkOnly: checkOnly.checked } });
      status.replaceChildren(notice(result.success ? 'good' : 'bad', result.summary || (result.success ? 'Done.' : 'Failed.')));
    } catch (error) {
      status.replaceChildren(notice('bad', `Refused: ${error.message}`));
    } finally {
      submit.disabled = false;
    }
    reload();
  });
  return form;
}

export function renderSchedules(view) {
  const status = h('div', { class: 'status-line' });
  const list = h('section', { class: 'panel', 'aria-label': 'Schedules' }, h('h2', {}, 'Schedules'));
  const body = h('div', { class: 'panel-body' });
  list.append(body);
  const reload = () => {
    clear(body).append(loading());
    query('listSchedules').then(
      (schedules) => clear(body).append(scheduleTable(schedules, status, reload)),
      (error) => clear(body).append(errorBox(error, 'the schedules')));
  };
  if (!isAdmin()) view.append(notice('neutral', VIEWER_NOTE));
  view.append(status, list, createForm(status, reload), triggerForm(status, reload));
  reload();
}
