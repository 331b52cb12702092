import { query } from '../api.js';
import {
  errorBox, formatDuration, h, imageUpdateStatus, outcomeBadge, panel, timeElement, transactionChange,
} from '../dom.js';
import { renderMarkdown } from '../markdown.js';

function versionPanel(version) {
  return h('p', { class: 'version', id: 'running-version' }, version.version);
}

function healthPanel(health) {
  const rows = Object.entries(health.details ?? {}).map(([name, check]) => h('li', {
    class: ['check', check.healthy ? 'good' : 'bad'],
  },
  h('span', { class: 'dot', 'aria-hidden': 'true' }),
  h('span', { class: 'check-name' }, name),
  h('span', { class: 'check-state' }, check.healthy ? 'healthy' : 'failing'),
  h('span', { class: 'check-time muted' }, formatDuration(check.durationMs)),
  check.error ? h('span', { class: 'check-error' }, check.error) : null));
  return [
    h('p', { class: ['summary', health.healthy ? 'good' : 'bad'] },
      health.healthy ? 'All checks pass' : 'Some checks fail', ' · checked ', timeElement(health.checkedAt)),
    rows.length ? h('ul', { class: 'checks' }, rows) : h('p', { class: 'muted' }, 'No health checks are configured.'),
  ];
}

function codeUpdate(code) {
  if (!code.available) {
    return h('p', { class: 'summary good' }, `Up to date (${code.currentVersion}).`);
  }
  return [
    h('p', { class: 'update-line' },
      h('span', { class: 'version-from' }, code.currentVersion), ' → ',
      h('strong', { class: 'version-to' }, code.latestVersion),
      code.breaking ? h('span', { class: 'badge bad', title: (code.breakingReasons ?? []).join('\n') }, 'breaking') : null),
    h('p', { class: 'muted' }, 'Released ', timeElement(code.releaseDate)),
    code.breaking && code.breakingReasons?.length
      ? h('ul', { class: 'breaking-reasons' }, code.breakingReasons.map((reason) => h('li', {}, reason)))
      : null,
    code.changelog ? h('details', { class: 'changelog', open: true },
      h('summary', {}, 'Changelog'), renderMarkdown(code.changelog)) : null,
  ];
}

function containerUpdates(check) {
  if (check.dockerError) {
    return errorBox(new Error(check.dockerError), 'the containers (Docker engine)');
  }
  if (!check.docker.length) return h('p', { class: 'muted' }, 'No managed containers.');
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, ['Container', 'Image', 'Status'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, check.docker.map((container) => h('tr', {},
      h('td', {}, container.container),
      h('td', { class: 'mono' }, container.image),
      h('td', {}, imageUpdateStatus(container)))))));
}

function lastUpdate(history) {
  if (!history.length) return h('p', { class: 'muted' }, 'No update has run yet.');
  const tx = history[0];
  return h('dl', { class: 'facts' },
    h('dt', {}, 'Outcome'), h('dd', {}, outcomeBadge(tx.status)),
    h('dt', {}, tx.type === 'system_update_docker' ? 'Containers' : 'Versions'), h('dd', {}, transactionChange(tx)),
    h('dt', {}, 'Started'), h('dd', {}, timeElement(tx.startedAt)),
    h('dt', {}, 'Duration'), h('dd', {}, formatDuration(tx.duration)),
    tx.findings.failedStep ? [h('dt', {}, 'Failed step'), h('dd', {}, tx.findings.failedStep)] : null);
}

const SCHEDULED = { code: 'code updates', docker: 'container updates', both: 'code and container updates' };

// The enabled schedules' next runs, soonest first.
function nextRuns(schedules) {
  const next = schedules.filter((schedule) => schedule.enabled && schedule.nextRun)
    .sort((a, b) => Date.parse(a.nextRun) - Date.parse(b.nextRun)).slice(0, 3);
  if (!next.length) return h('p', { class: 'muted' }, 'Nothing is scheduled.');
  return h('dl', { class: 'facts next-scheduled' }, next.map((schedule) => [
    h('dt', {}, timeElement(schedule.nextRun)),
    h('dd', {}, schedule.description, ' · ', schedule.autoApply ? 'applies' : 'checks for', ' ', SCHEDULED[schedule.updateType])]));
}

export function renderOverview(view) {
  const updates = query('checkForUpdates');
  view.append(h('div', { class: 'grid' },
    panel('Running version', () => query('getCurrentVersion'), versionPanel),
    panel('Last update', () => query('getUpdateHistory', { limit: 1 }), lastUpdate),
    panel('Next scheduled runs', () => query('listSchedules'), nextRuns, 'wide'),
    panel('Health', () => query('healthCheck'), healthPanel, 'wide'),
    panel('Code update', () => updates.then((check) => check.code), codeUpdate, 'wide'),
    panel('Container updates', () => updates, containerUpdates, 'wide')));
}
