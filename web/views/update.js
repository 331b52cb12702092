import { isAdmin, mutate, query } from '../api.js';
import { clear, formatDuration, h, notice, outcomeBadge, panel, VIEWER_NOTE } from '../dom.js';
import { confirmAction } from './confirm.js';
import { openEventStream } from './events.js';

const MAX_LOG_LINES = 1000;  // older lines are dropped from the page (the history keeps a tail)

// The options of applyCodeUpdate, read from the form; branch only when one was typed.
function readOptions(form) {
  const options = {
    skipBackup: form.elements.skipBackup.checked,
    skipMigrations: form.elements.skipMigrations.checked,
    skipBuild: form.elements.skipBuild.checked,
  };
  const branch = form.elements.branch.value.trim();
  if (branch) options.branch = branch;
  return options;
}

function breakingBadge(code) {
  return code?.breaking
    ? h('span', { class: 'badge bad', title: (code.breakingReasons ?? []).join('\n') }, 'breaking')
    : null;
}

// The confirmation's body: the dry-run plan the daemon computed for these options.
function planBody(plan, code, options) {
  const steps = plan.steps.map((step) => h('li', { class: ['plan-step', step.skipped ? 'skip' : 'run'] },
    h('span', { class: ['badge', step.skipped ? 'neutral' : 'good'] }, step.skipped ? 'skip' : 'run'),
    h('span', { class: 'step-name' }, step.name),
    h('span', { class: 'muted' }, step.description)));
  const target = plan.targetVersion || plan.targetBranch || plan.targetCommit.slice(0, 12);
  return [
    h('p', { class: 'update-line' }, h('span', { class: 'version-from' }, plan.currentVersion), ' → ',
      h('strong', { class: 'plan-target' }, target),
      code && code.latestVersion === plan.targetVersion ? breakingBadge(code) : null),
    h('p', { class: 'muted small' }, options.branch ? `Following branch ${options.branch}, ` : '',
      `commit ${plan.targetCommit.slice(0, 12)}. `,
      plan.backup.enabled ? 'A backup is taken first; a failure rolls back to it.'
        : 'No backup is taken (skip backup): a failure cannot restore the data.'),
    h('ol', { class: 'plan-steps', 'aria-label': 'Planned steps' }, steps),
  ];
}

// The live view of one running update: its steps (state, duration) and their output, fed by
// /events while the mutation runs, then settled from the result and the recorded history.
class LiveView {
  constructor(container) {
    this.steps = new Map();
    this.stepList = h('ol', { class: 'live-steps', 'aria-label': 'Steps' });
    this.log = h('pre', { class: 'log live-log', 'aria-label': 'Output', tabindex: 0 });
    this.banner = h('div', { class: 'live-banner', 'aria-live': 'polite' }, notice('neutral', 'Update running…'));
    this.lineCount = 0;
    this.finishedEvents = 0;  // "succeeded"/"failed" step events received
    this.caughtUp = null;  // set while drain() waits
    container.replaceChildren(h('section', { class: 'panel live', 'aria-label': 'Live progress' },
      h('h2', {}, 'Live progress'), this.banner,
      h('div', { class: 'live-grid' }, this.stepList, this.log)));
    this.timer = setInterval(() => this.tick(), 1000);
    container.scrollIntoView({ block: 'start' });
  }

  step(name) {
    if (!this.steps.has(name)) {
      const badge = h('span', {}, outcomeBadge('pending'));
      const duration = h('span', { class: 'muted step-duration' }, '');
      const detail = h('span', { class: 'step-detail' });
      const item = h('li', { class: 'live-step', 'data-step': name },
        h('div', { class: 'step-head' }, badge, h('span', { class: 'step-name' }, name), duration), detail);
      this.stepList.append(item);
      this.steps.set(name, { item, badge, duration, detail, started: null, ended: null, state: 'pending' });
    }
    return this.steps.get(name);
  }

  setState(name, state, durationMs) {
    const step = this.step(name);
    step.state = state;
    step.item.dataset.state = state;
    step.badge.replaceChildren(outcomeBadge(state));
    if (durationMs !== undefined) step.duration.textContent = formatDuration(durationMs);
  }

  onStep({ step: name, state, detail }) {
    this.stepList.dataset.events = String(Number(this.stepList.dataset.events ?? 0) + 1);
    const step = this.step(name);
    if (state === 'started') {
      step.started = Date.now();
      this.setState(name, 'running');
    } else {
      this.finishedEvents += 1;
      this.caughtUp?.();
      step.ended = Date.now();
      this.setState(name, state, step.started ? step.ended - step.started : undefined);
      if (state === 'failed' && detail) step.detail.textContent = detail;
    }
  }

  addLine(text, kind) {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 24;
    this.log.append(h('span', { class: ['log-line', kind] }, `${text}\n`));
    this.lineCount += 1;
    while (this.lineCount > MAX_LOG_LINES) {
      this.log.firstChild.remove();
      this.lineCount -= 1;
    }
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  onOutput({ step, line }) {
    this.addLine(`[${step}] ${line}`);
  }

  tick() {
    for (const step of this.steps.values()) {
      if (step.state === 'running' && step.started) step.duration.textContent = formatDuration(Date.now() - step.started);
    }
  }

  // Resolves once the stream has delivered the end of every step that ran in `transaction`
  // (the result can overtake the stream's last events), or after `limitMs`.
  drain(transaction, limitMs) {
    const ran = (transaction?.steps ?? []).filter((step) => step.status !== 'skipped').length;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, limitMs);
      this.caughtUp = () => {
        if (this.finishedEvents < ran) return;
        clearTimeout(timer);
        resolve();
      };
      this.caughtUp();
    });
  }

  // The recorded steps are the truth once the transaction ended (events may have been
  // missed, and skipped steps send none): their states, durations, and order.
  settle(transaction) {
    for (const step of transaction?.steps ?? []) {
      this.setState(step.name, step.status, step.duration ?? undefined);
      if (step.error) this.step(step.name).detail.textContent = step.error;
      this.stepList.append(this.step(step.name).item);
    }
  }

  finish(banner) {
    clearInterval(this.timer);
    this.banner.replaceChildren(banner);
  }
}

function resultBanner(result) {
  if (result.success && result.previousVersion === result.newVersion) {
    return notice('neutral', `Already up to date (${result.newVersion}): nothing changed.`);
  }
  if (result.success) {
    return h('div', { class: 'final good', role: 'status' }, h('strong', {}, 'Update succeeded'),
      ` ${result.previousVersion} → ${result.newVersion}.`);
  }
  const failed = result.failedStep ? ` at step “${result.failedStep}”` : '';
  const errors = (result.errors ?? []).join('; ');
  if (result.rolledBack) {
    return h('div', { class: 'final warn', role: 'alert' }, h('strong', {}, 'Update failed and was rolled back'),
      `: it failed${failed}, and ${result.previousVersion} runs again. `, h('span', { class: 'final-errors' }, errors));
  }
  return h('div', { class: 'final bad', role: 'alert' }, h('strong', {}, 'Update failed'),
    `${failed}. `, h('span', { class: 'final-errors' }, errors));
}

async function run(options, live, onDone) {
  const view = new LiveView(live);
  const stream = await openEventStream({
    step: (data) => view.onStep(data),
    output: (data) => view.onOutput(data),
    dropped: (data) => view.addLine(`… ${data.count ?? 'some'} lines were dropped …`, 'muted'),
  });
  if (!stream.live) view.addLine(`(the live stream is unavailable: ${stream.error}; the result follows when the update ends)`, 'muted');
  try {
    const result = await mutate('applyCodeUpdate', options);
    if (result.transactionId) {
      const history = await query('getUpdateHistory', { limit: 5 }).catch(() => []);
      const transaction = history.find((tx) => tx.id === result.transactionId);
      if (stream.live) await view.drain(transaction, 5000);
      view.settle(transaction);
    }
    view.finish(resultBanner(result));
  } catch (error) {
    view.finish(h('div', { class: 'final bad', role: 'alert' }, h('strong', {}, 'Update refused'), `: ${error.message}`));
  } finally {
    stream.close();
    onDone();
  }
}

async function review(form, code, status, live, refresh) {
  const options = readOptions(form);
  const buttons = form.querySelectorAll('button, input');
  status.replaceChildren(notice('neutral', 'Working out what will happen…'));
  let plan;
  try {
    plan = (await mutate('applyCodeUpdate', { ...options, dryRun: true })).plan;
  } catch (error) {
    status.replaceChildren(notice('bad', `Cannot plan the update: ${error.message}`));
    return;
  }
  if (!plan) {
    status.replaceChildren(notice('neutral', 'Already up to date: there is nothing to apply.'));
    return;
  }
  status.replaceChildren();
  const confirmed = await confirmAction({
    title: 'Apply this code update?',
    body: planBody(plan, code, options),
    confirmLabel: 'Apply update',
    danger: Boolean(code?.breaking),
  });
  if (!confirmed) return;
  for (const control of buttons) control.disabled = true;
  await run(options, live, () => {
    for (const control of buttons) control.disabled = false;
    refresh();
  });
}

function checkbox(name, label, help) {
  const id = `option-${name}`;
  return h('div', { class: 'option' },
    h('input', { type: 'checkbox', id, name, disabled: !isAdmin() }),
    h('label', { for: id }, label, h('span', { class: 'muted small' }, ` — ${help}`)));
}

export function renderUpdate(view) {
  const admin = isAdmin();
  const status = h('div', { class: 'status-line' });
  const live = h('div', { class: 'live-slot' });
  let code = null;
  // The update available, loaded again after each update.
  const available = () => panel('Available', () => query('checkForUpdates').then((check) => {
    code = check.code;
    return check.code;
  }), (update) => update.available
    ? h('p', { class: 'update-line' }, h('span', { class: 'version-from' }, update.currentVersion), ' → ',
      h('strong', { class: 'version-to' }, update.latestVersion), breakingBadge(update))
    : h('p', { class: 'summary good' }, `Up to date (${update.currentVersion}).`));
  let availablePanel = available();
  const refresh = () => {
    const next = available();
    availablePanel.replaceWith(next);
    availablePanel = next;
  };
  const form = h('form', { class: 'panel update-form', 'aria-label': 'Code update options' },
    h('h2', {}, 'Apply a code update'),
    h('div', { class: 'field' },
      h('label', { for: 'option-branch' }, 'Branch'),
      h('input', { id: 'option-branch', name: 'branch', type: 'text', placeholder: 'the configured release source',
        autocomplete: 'off', spellcheck: 'false', disabled: !admin }),
      h('span', { class: 'muted small' }, 'Empty: the newest release allowed by the update policy.')),
    checkbox('skipBackup', 'Skip backup', 'no backup first: a failure cannot restore data'),
    checkbox('skipMigrations', 'Skip migrations', 'the database schema stays as it is'),
    checkbox('skipBuild', 'Skip build', 'the build step does not run'),
    h('div', { class: 'form-actions' }, h('button', {
      type: 'submit', class: 'button', 'data-action': 'review-update', disabled: !admin,
      title: admin ? 'See what will happen, then confirm' : VIEWER_NOTE,
    }, 'Review update…')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    review(form, code, status, live, refresh);
  });
  if (!admin) view.append(notice('neutral', VIEWER_NOTE));
  view.append(h('div', { class: 'grid top' }, availablePanel, form), status, clear(live));
}
