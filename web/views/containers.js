import { isAdmin, mutate, query } from '../api.js';
import {
  formatBytes, h, imageUpdateStatus, loading, notice, panel, shortDigest, timeElement, VIEWER_NOTE,
} from '../dom.js';
import { confirmAction } from './confirm.js';

// Docker's status text carries the health check's verdict: "Up 5 minutes (healthy)".
function health(status) {
  const match = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? '');
  if (!match) return h('span', { class: 'muted' }, 'no check');
  const word = match[1].replace('health: ', '');
  return h('span', { class: ['badge', { healthy: 'good', unhealthy: 'bad' }[word] ?? 'neutral'] }, word);
}

function stateBadge(state) {
  return h('span', { class: ['badge', { running: 'good', exited: 'bad', dead: 'bad' }[state] ?? 'warn'] }, state);
}

async function restart(container, status, reload) {
  const confirmed = await confirmAction({
    title: `Restart ${container.name}?`,
    body: [h('p', {}, `The container ${container.name} (${container.image}) is stopped and started again; `,
      'it is unavailable for a moment. Its image and settings do not change.'),
    h('p', {}, 'The restart is recorded in the audit log.')],
    confirmLabel: 'Restart',
    danger: true,
  });
  if (!confirmed) return;
  status.replaceChildren(loading(`Restarting ${container.name}…`));
  try {
    const result = await mutate('restartContainers', { containers: [container.name] });
    status.replaceChildren(notice('good', `Restarted ${result.restarted.join(', ')}.`));
  } catch (error) {
    status.replaceChildren(notice('bad', `Restart refused: ${error.message}`));
  }
  reload();
}

// The managed containers, each with its image check from checkForUpdates (matched by name).
function containerTable(containers, imageChecks, status, reload) {
  if (!containers.length) return h('p', { class: 'muted' }, 'No managed containers (see docker.containers and labels).');
  const admin = isAdmin();
  const checks = new Map((imageChecks.docker ?? []).map((check) => [check.container, check]));
  const updateCell = (name) => {
    if (imageChecks.dockerError) return h('span', { class: 'badge bad', title: imageChecks.dockerError }, 'check failed');
    const check = checks.get(name);
    return check ? imageUpdateStatus(check) : h('span', { class: 'muted' }, '—');
  };
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table containers' },
    h('thead', {}, h('tr', {}, ['Container', 'State', 'Health', 'Image', 'Update', 'Digest', 'Created', '']
      .map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, containers.map((container) => h('tr', { 'data-container': container.name },
      h('td', {}, h('strong', {}, container.name),
        container.monitorOnly ? h('span', { class: 'badge neutral', title: 'watched, never updated' }, 'monitor') : null),
      h('td', { title: container.status }, stateBadge(container.state)),
      h('td', {}, health(container.status)),
      h('td', { class: 'mono small' }, container.image),
      h('td', {}, updateCell(container.name)),
      h('td', { class: 'mono small', title: checks.get(container.name)?.currentDigest ?? '' },
        shortDigest(checks.get(container.name)?.currentDigest) || '—'),
      h('td', {}, timeElement(container.created)),
      h('td', { class: 'actions' }, h('button', {
        type: 'button', class: 'button secondary small', 'data-action': 'restart', disabled: !admin,
        title: admin ? `Restart ${container.name}` : VIEWER_NOTE,
        onclick: () => restart(container, status, reload),
      }, 'Restart')))))));
}

function dockerInfo(info) {
  const facts = [
    ['Engine', `${info.name} · Docker ${info.serverVersion} (API ${info.apiVersion})`],
    ['System', `${info.os} · ${info.architecture} · kernel ${info.kernelVersion}`],
    ['Resources', `${info.cpus} CPUs · ${formatBytes(info.memoryBytes)} memory · ${info.storageDriver} storage`],
    ['Containers', `${info.containers} (${info.running} running, ${info.paused} paused, ${info.stopped} stopped)`],
    ['Images', String(info.images)],
  ];
  return h('dl', { class: 'facts', id: 'docker-info' }, facts.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

export function renderContainers(view) {
  const status = h('div', { class: 'status-line' });
  const list = h('div', { class: 'panel-slot' });
  const reload = () => {
    list.replaceChildren(panel('Managed containers',
      () => Promise.all([query('listContainers'), query('checkForUpdates').catch((error) => ({ dockerError: error.message }))]),
      ([containers, checks]) => containerTable(containers, checks, status, reload), 'containers-panel'));
  };
  if (!isAdmin()) view.append(notice('neutral', VIEWER_NOTE));
  view.append(status, list, panel('Docker engine', () => query('getDockerInfo'), dockerInfo));
  reload();
}
