import { query } from '../api.js';
import { clear, errorBox, h, loading, notice, timeElement } from '../dom.js';

const LIMIT = 200;

// The hash-chain verification: intact (rows, head hash) or where it breaks.
function verification(result) {
  if (result.ok) {
    return h('div', { class: 'final good chain', role: 'status' }, h('strong', {}, 'Chain verified'),
      ` · ${result.rowsChecked} ${result.rowsChecked === 1 ? 'row' : 'rows'} intact · head `,
      h('span', { class: 'mono', title: result.headHash }, result.headHash.slice(0, 16)));
  }
  return h('div', { class: 'final bad chain', role: 'alert' }, h('strong', {}, 'Tampering detected'),
    `: ${result.message}`);
}

function outcomeCell(outcome) {
  const ok = outcome === 'ok';
  const [word, ...why] = outcome.split(': ');
  return [h('span', { class: ['badge', ok ? 'good' : 'bad'] }, word),
    why.length ? h('span', { class: 'audit-why' }, ` ${why.join(': ')}`) : null];
}

function auditTable(rows) {
  if (!rows.length) return h('p', { class: 'muted' }, 'No audit rows match.');
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table audit' },
    h('thead', {}, h('tr', {}, ['#', 'Time', 'Actor', 'Action', 'Outcome', 'Input', 'Transaction']
      .map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows.map((row) => h('tr', { class: 'audit-row' },
      h('td', { class: 'mono' }, String(row.seq)),
      h('td', {}, timeElement(row.time)),
      h('td', { title: `${row.clientAddress || 'local'} · request ${row.requestId || '—'}` }, row.actor),
      h('td', { class: 'mono' }, row.action.replace(/^systemUpdates\./, '')),
      h('td', {}, outcomeCell(row.outcome)),
      h('td', { class: 'mono small audit-input' }, typeof row.input === 'string' ? row.input : JSON.stringify(row.input)),
      h('td', { class: 'mono small' }, row.transactionId || '—'))))));
}

// The filters as getAuditLog's input: empty fields are left out; times from the browser's
// zone to milliseconds since the epoch.
function filterInput(form) {
  const input = { limit: LIMIT };
  for (const name of ['actor', 'action', 'outcome']) {
    const value = form.elements[name].value.trim();
    if (value) input[name] = name === 'action' && !value.includes('.') ? `systemUpdates.${value}` : value;
  }
  for (const name of ['since', 'until']) {
    const value = form.elements[name].value;
    if (value) input[name] = new Date(value).getTime();
  }
  return input;
}

function field(label, control) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

export function renderAudit(view) {
  const chain = h('section', { class: 'panel', 'aria-label': 'Hash chain' }, h('h2', {}, 'Hash chain'), loading());
  const list = h('section', { class: 'panel', 'aria-label': 'Audit log' });
  const form = h('form', { class: 'panel filters', 'aria-label': 'Filters' },
    field('Actor', h('input', { id: 'filter-actor', name: 'actor', type: 'text', autocomplete: 'off' })),
    field('Action', h('input', { id: 'filter-action', name: 'action', type: 'text', autocomplete: 'off', placeholder: 'applyCodeUpdate' })),
    field('Outcome', h('select', { id: 'filter-outcome', name: 'outcome' },
      h('option', { value: '' }, 'any'), h('option', { value: 'ok' }, 'ok'), h('option', { value: 'failed' }, 'failed'))),
    field('From', h('input', { id: 'filter-since', name: 'since', type: 'datetime-local' })),
    field('Until', h('input', { id: 'filter-until', name: 'until', type: 'datetime-local' })),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button' }, 'Filter'),
      h('button', { type: 'reset', class: 'button secondary' }, 'Clear')));
  const load = () => {
    clear(list).append(h('h2', {}, 'Audit log'), loading());
    query('getAuditLog', filterInput(form)).then(
      (rows) => clear(list).append(h('div', {}, h('h2', {}, 'Audit log'), auditTable(rows),
        rows.length === LIMIT ? notice('neutral', `The newest ${LIMIT} rows; narrow the filters to see older ones.`) : null)),
      (error) => list.replaceChildren(h('h2', {}, 'Audit log'), errorBox(error, 'the audit log')));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  form.addEventListener('reset', () => setTimeout(load));
  query('verifyAuditLog').then(
    (result) => chain.replaceChildren(h('h2', {}, 'Hash chain'), verification(result)),
    (error) => chain.replaceChildren(h('h2', {}, 'Hash chain'), errorBox(error, 'the verification')));
  view.append(chain, form, list);
  load();
}
