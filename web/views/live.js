import { mutate, query } from '../api.js';
import { formatDuration, h, notice, outcomeBadge, transactionChange } from '../dom.js';
import { openEventStream } from './events.js';

// The live view of a running update (code, containers, or a full update's two transactions):
// each transaction's steps (state, duration) and their output, fed by /events, then settled
// from the recorded history.

const MAX_LOG_LINES = 1000;  // older lines are dropped from the page (the history keeps a tail)
const POLL_MS = 2000;  // without /events: how often the history is asked whether the update ended
const TYPE_NAMES = {
  system_update_code: 'Code', system_update_docker: 'Containers', system_update_full: 'Full', system_rollback: 'Rollback',
};

// How a container's recreate step replaced it, from its output (the history does not record
// the strategy): a zero-downtime rollout says so and walks beside_* (the new container starts
// beside the old one), a recreate in place stops the old one first (or says why zero downtime
// was not possible).
const STRATEGIES = [
  [/^beside_|^zero downtime:/, 'zero downtime', 'the new container started beside the old one and took over once healthy'],
  [/^old_stopped$|recreating it in place$/, 'in place', 'the old container was stopped, then the new one started'],
];

function recreateStrategy(lines) {
  return STRATEGIES.find(([pattern]) => lines.some((line) => pattern.test(line))) ?? null;
}

class LiveView {
  constructor(container) {
    this.phases = [];  // one per transaction, in start order: {id, heading, list, steps}
    this.phaseList = h('div', { class: 'live-phases' });
    this.log = h('pre', { class: 'log live-log', 'aria-label': 'Output', tabindex: 0 });
    this.banner = h('div', { class: 'live-banner', 'aria-live': 'polite' }, notice('neutral', 'Update running…'));
    this.lineCount = 0;
    this.section = h('section', { class: 'panel live', 'aria-label': 'Live progress', 'data-events': '0' },
      h('h2', {}, 'Live progress'), this.banner, h('div', { class: 'live-grid' }, this.phaseList, this.log));
    container.replaceChildren(this.section);
    this.timer = setInterval(() => this.tick(), 1000);
    container.scrollIntoView({ block: 'start' });
  }

  // A transaction started: its steps get a list of their own (a full update has two).
  begin(id) {
    const heading = h('h3', { class: 'phase-title' }, `Transaction ${this.phases.length + 1}`);
    const list = h('ol', { class: 'live-steps', 'aria-label': 'Steps' });
    const phase = { id, heading, list, steps: new Map() };
    this.phaseList.append(h('div', { class: 'live-phase' }, heading, list));
    this.phases.push(phase);
    return phase;
  }

  current() {
    return this.phases.at(-1) ?? this.begin(null);
  }

  step(phase, name) {
    if (!phase.steps.has(name)) {
      const badge = h('span', {}, outcomeBadge('pending'));
      const duration = h('span', { class: 'muted step-duration' }, '');
      const detail = h('span', { class: 'step-detail' });
      const strategy = h('span', { class: 'step-strategy' });
      const item = h('li', { class: 'live-step', 'data-step': name },
        h('div', { class: 'step-head' }, badge, h('span', { class: 'step-name' }, name), strategy, duration), detail);
      phase.list.append(item);
      phase.steps.set(name, { item, badge, duration, detail, strategy, lines: [], started: null, state: 'pending' });
    }
    return phase.steps.get(name);
  }

  setState(step, state, durationMs) {
    step.state = state;
    step.item.dataset.state = state;
    step.badge.replaceChildren(outcomeBadge(state));
    if (durationMs !== undefined) step.duration.textContent = formatDuration(durationMs);
  }

  onStep({ step: name, state, detail }) {
    this.section.dataset.events = String(Number(this.section.dataset.events) + 1);
    const step = this.step(this.current(), name);
    if (state === 'started') {
      step.started = Date.now();
      this.setState(step, 'running');
    } else {
      this.setState(step, state, step.started ? Date.now() - step.started : undefined);
      if (state === 'failed' && detail) step.detail.textContent = detail;
    }
  }

  // A step's output line: in the log, and for a container's recreate, its strategy.
  onOutput({ step: name, line }) {
    this.addLine(`[${name}] ${line}`);
    if (name.startsWith('recreate ')) this.showStrategy(this.step(this.current(), name), [line]);
  }

  showStrategy(step, lines) {
    step.lines.push(...lines);
    const found = recreateStrategy(step.lines);
    if (!found || step.item.dataset.strategy === found[1]) return;
    step.item.dataset.strategy = found[1];
    step.strategy.replaceChildren(h('span', { class: 'badge neutral', title: found[2] }, found[1]));
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

  tick() {
    for (const phase of this.phases) {
      for (const step of phase.steps.values()) {
        if (step.state === 'running' && step.started) step.duration.textContent = formatDuration(Date.now() - step.started);
      }
    }
  }

  // The recorded transaction is the truth once it ended (events may have been missed, and
  // skipped steps send none): its steps' states, durations and order, and what it changed.
  settle(transaction) {
    const phase = this.phases.find((known) => known.id === transaction.id)
      ?? this.phases.find((known) => known.id === null) ?? this.begin(transaction.id);
    phase.id = transaction.id;
    phase.heading.textContent = `${TYPE_NAMES[transaction.type] ?? transaction.type}: ${transactionChange(transaction)}`;
    for (const recorded of transaction.steps ?? []) {
      const step = this.step(phase, recorded.name);
      this.setState(step, recorded.status, recorded.duration ?? undefined);
      if (recorded.error) step.detail.textContent = recorded.error;
      if (recorded.name.startsWith('recreate ')) this.showStrategy(step, (recorded.outputTail ?? '').split('\n'));
      phase.list.append(step.item);
    }
  }

  finish(banner) {
    clearInterval(this.timer);
    this.banner.replaceChildren(banner);
  }
}

function banner(kind, title, ...text) {
  return h('div', { class: ['final', kind], role: kind === 'good' ? 'status' : 'alert' }, h('strong', {}, title), ...text);
}

// What a transaction did, for the banner: "1.0.0 → 1.3.0", "containers web, api (web: in
// place; api: zero downtime)".
function change(transaction) {
  if (transaction.type !== 'system_update_docker') return transactionChange(transaction);
  const how = (transaction.steps ?? []).filter((step) => step.name.startsWith('recreate ')).map((step) => {
    const found = recreateStrategy((step.outputTail ?? '').split('\n'));
    return found ? `${step.name.slice('recreate '.length)}: ${found[1]}` : null;
  }).filter(Boolean);
  return `containers ${transactionChange(transaction)}${how.length ? ` (${how.join('; ')})` : ''}`;
}

// The outcome of the transactions an update ran (oldest first); `end` is the end event, or
// {id, polled: true} when the history was polled instead (it does not tell what ran after the
// last transaction). `full`: a full update, which may end after its code transaction.
function outcomeBanner(transactions, end, full) {
  if (!transactions.length) return banner('bad', 'Update failed', ': no transaction was recorded.');
  const done = transactions.filter((tx) => tx.status === 'succeeded').map(change);
  const failed = transactions.find((tx) => tx.status !== 'succeeded');
  if (!failed && end?.success === false) {
    const why = end.errors?.length ? `: ${[...new Set(end.errors)].join('; ')}` : ' (the daemon\'s log says why)';
    return banner('bad', 'Update failed', `: ${done.join('; ')} succeeded, but the rest of the update did not run${why}.`);
  }
  if (!failed && end?.polled && full && transactions.length < 2) {
    return banner('warn', 'Code updated', `: ${done.join('; ')} succeeded; whether the containers were updated is not known here (see History).`);
  }
  if (!failed) return banner('good', 'Update succeeded', ` ${done.join('; ')}.`);
  const step = failed.findings.failedStep ? ` at step “${failed.findings.failedStep}”` : '';
  const errors = h('span', { class: 'final-errors' }, [...new Set(failed.findings.errors ?? [])].join('; '));
  const before = done.length ? `${done.join('; ')} succeeded, then ` : '';
  if (failed.status === 'rolled_back') {
    const again = failed.type === 'system_update_docker' ? 'the containers run their previous images again'
      : `${failed.findings.fromVersion} runs again`;
    return banner('warn', 'Update failed and was rolled back', `: ${before}it failed${step}, and ${again}. `, errors);
  }
  const title = failed.status === 'rollback_failed' ? 'Update failed and so did its rollback' : 'Update failed';
  return banner('bad', title, `: ${before}it failed${step}. `, errors);
}

// A mutation's answer when no transaction ran: nothing to do, or why not.
function resultBanner(result) {
  const errors = [result.errors, result.code?.errors, result.docker?.errors].flat().filter(Boolean);
  if (result.success === false) return banner('bad', 'Update failed', `: ${errors.join('; ')}`);
  const version = result.newVersion ?? result.code?.newVersion;
  return notice('neutral', `Already up to date${version ? ` (${version})` : ''}: nothing changed.`);
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Without /events: the history is asked until `first` and every transaction after it have
// ended twice in a row (a full update starts its second one right after the first).
async function pollUntilEnded(first) {
  for (let quiet = 0; quiet < 2;) {
    await sleep(POLL_MS);
    const history = await query('getUpdateHistory', { limit: 10 }).catch(() => []);
    const index = history.findIndex((tx) => tx.id === first);
    quiet = index >= 0 && history.slice(0, index + 1).every((tx) => tx.completedAt) ? quiet + 1 : 0;
  }
  return { id: first, polled: true };
}

// The recorded transactions of this update, oldest first: `first` and, of those after it, the
// ones the stream announced (all of them without a stream).
async function recorded(first, announced) {
  const history = await query('getUpdateHistory', { limit: 10 });
  const index = history.findIndex((tx) => tx.id === first);
  return history.slice(0, index + 1).reverse()
    .filter((tx) => tx.id === first || !announced.size || announced.has(tx.id));
}

// Runs the long mutation `procedure` with `input` and shows it live in `slot`. The stream is
// opened (and waited for) first: the daemon replays nothing to a new client. The mutation is
// sent with wait: false, so it answers as soon as the first transaction is journaled, before
// any container or network changes; the transactions' "transaction" events separate them,
// their steps and output follow, and the end event (published after every step's) ends the
// view. Resolves when the outcome is shown.
export async function runLive(slot, procedure, input) {
  const view = new LiveView(slot);
  const announced = new Set();
  const ends = new Map();  // end events by first transaction id (one can overtake the answer)
  let onEnd = () => {};
  const stream = await openEventStream({
    transaction: (data) => {
      if (data.state === 'started') {
        announced.add(data.id);
        view.begin(data.id);
        return;
      }
      ends.set(data.id, data);
      onEnd();
    },
    step: (data) => view.onStep(data),
    output: (data) => view.onOutput(data),
    dropped: (data) => view.addLine(`… ${data.count ?? 'some'} lines were dropped …`, 'muted'),
  });
  if (!stream.live) view.addLine(`(the live stream is unavailable: ${stream.error}; the result follows when the update ends)`, 'muted');
  let first = null;  // the first transaction's id, once the daemon has started it
  try {
    const reply = await mutate(procedure, { ...input, wait: false });
    if (!reply.transactionId || 'success' in reply) {
      view.finish(resultBanner(reply));
      return;
    }
    first = reply.transactionId;
    // The end event; the history when there is no stream, or once it is lost for good.
    const end = !stream.live ? await pollUntilEnded(first) : ends.get(first) ?? await Promise.race([
      new Promise((resolve) => { onEnd = () => ends.has(first) && resolve(ends.get(first)); }),
      stream.lost.then(() => pollUntilEnded(first)),
    ]);
    const transactions = await recorded(first, announced).catch((error) => {
      throw new Error(`the update ended, but its record cannot be read (${error.message}): see History`);
    });
    for (const transaction of transactions) view.settle(transaction);
    view.finish(outcomeBanner(transactions, end, procedure === 'applyFullUpdate'));
  } catch (error) {
    view.finish(banner('bad', first ? 'Update outcome unknown' : 'Update refused', `: ${error.message}`));
  } finally {
    stream.close();
  }
}
