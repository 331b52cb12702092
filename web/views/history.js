import { query } from '../api.js';
import { errorBox, formatDuration, h, loading, outcomeBadge, timeElement, transactionChange } from '../dom.js';
import { durationChart } from './chart.js';

const TYPES = {
  system_update_code: 'code update',
  system_update_docker: 'container update',
  system_update_full: 'full update',
  system_rollback: 'rollback',
};
const CHART_SIZE = 30;

function stepsTable(tx) {
  if (!tx.steps.length) return h('p', { class: 'muted' }, 'No steps recorded.');
  return h('ol', { class: 'steps' }, tx.steps.map((step) => h('li', { class: 'step' },
    h('div', { class: 'step-head' },
      h('span', { class: 'step-name' }, step.name), outcomeBadge(step.status),
      h('span', { class: 'muted' }, formatDuration(step.duration)),
      step.exitCode !== null ? h('span', { class: 'muted' }, `exit ${step.exitCode}`) : null),
    step.error ? h('p', { class: 'check-error' }, step.error) : null,
    step.outputTail ? h('pre', { class: 'log' }, step.outputTail) : null)));
}

function transactionRows(tx) {
  const detailsId = `tx-${tx.id}`;
  const details = h('tr', { class: 'details', id: detailsId, hidden: true },
    h('td', { colspan: 6 },
      tx.findings.errors.length ? h('ul', { class: 'errors' }, tx.findings.errors.map((error) => h('li', {}, error))) : null,
      stepsTable(tx)));
  const toggle = h('button', {
    type: 'button', class: 'link-button', 'aria-expanded': 'false', 'aria-controls': detailsId,
  }, TYPES[tx.type] ?? tx.type);
  const row = h('tr', { class: 'tx' },
    h('td', {}, timeElement(tx.startedAt)),
    h('td', {}, toggle),
    h('td', {}, outcomeBadge(tx.status)),
    h('td', { class: 'mono' }, transactionChange(tx)),
    h('td', {}, formatDuration(tx.duration)),
    h('td', {}, tx.findings.failedStep ?? ''));
  const flip = () => {
    details.hidden = !details.hidden;
    toggle.setAttribute('aria-expanded', String(!details.hidden));
  };
  toggle.addEventListener('click', (event) => {
    event.stopPropagation();
    flip();
  });
  row.addEventListener('click', flip);
  return [row, details];
}

export function renderHistory(view) {
  const body = h('div', {}, loading());
  view.append(body);
  query('getUpdateHistory', { limit: 100 }).then((history) => {
    if (!history.length) {
      body.replaceChildren(h('p', { class: 'panel muted' }, 'No update has run yet.'));
      return;
    }
    body.replaceChildren(
      h('section', { class: 'panel', 'aria-label': 'Recent updates chart' },
        h('h2', {}, history.length === 1 ? 'Last update' : `Last ${Math.min(CHART_SIZE, history.length)} updates`),
        durationChart(history.slice(0, CHART_SIZE)),
        h('p', { class: 'legend muted' },
          h('span', { class: 'key bar-good' }), 'succeeded ', h('span', { class: 'key bar-warn' }), 'rolled back ',
          h('span', { class: 'key bar-bad' }, ''), 'failed')),
      h('section', { class: 'panel', 'aria-label': 'Transactions' },
        h('div', { class: 'table-scroll' },
          h('table', { class: 'table history' },
            h('thead', {}, h('tr', {}, ['Started', 'Type', 'Outcome', 'Versions', 'Duration', 'Failed step']
              .map((title) => h('th', { scope: 'col' }, title)))),
            h('tbody', {}, history.map(transactionRows))))));
  }, (error) => body.replaceChildren(errorBox(error, 'the history')));
}
