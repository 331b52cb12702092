import { isAdmin, mutate, query } from '../api.js';
import {
  formatBytes, h, imageUpdateStatus, loading, notice, panel, shortDigest, timeElement, VIEWER_NOTE,
} from '../dom.js';
import { confirmAction } from './confirm.js';
import { runLive } from './live.js';
import { dockerPlanBody, plannedContainers } from './plans.js';

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

// Updates `names` (all containers with an update when empty): the daemon's dry run says which
// containers it would recreate on which image; once confirmed, the update runs with its live
// view in `live` (each container recreated with its whole configuration, the old one back if
// the new one fails).
let updating = false;  // one update at a time from this screen: its live view stays

async function update(names, status, live, reload) {
  if (updating) {
    status.replaceChildren(notice('neutral', 'An update is running: its live view is below.'));
    return;
  }
  const which = names.length === 1 ? names[0] : 'the containers with updates';
  status.replaceChildren(loading(`Planning the update of ${which}…`));
  let plan;
  try {
    plan = await mutate('applyDockerUpdate', { containers: names, dryRun: true });
  } catch (error) {
    status.replaceChildren(notice('bad', `Update refused: ${error.message}`));
    return;
  }
  const planned = plannedContainers(plan);
  if (!planned.length) {
    status.replaceChildren(notice('neutral', `Nothing to update: ${plan.errors.join('; ') || 'every container runs its newest image.'}`));
    return;
  }
  status.replaceChildren();
  const confirmed = await confirmAction({
    title: planned.length === 1 ? `Update ${planned[0].container}?` : `Update ${planned.length} containers?`,
    body: dockerPlanBody(plan),
    confirmLabel: 'Update',
    danger: true,
  });
  if (!confirmed) return;
  updating = true;
  try {
    await runLive(live, 'applyDockerUpdate', { containers: planned.map((container) => container.container) });
  } finally {
    updating = false;
  }
  reload();
}

// Prunes rollback images: the dry run lists what would be deleted and the space it frees.
async function prune(status, reload) {
  status.replaceChildren(loading('Looking for rollback images to prune…'));
  let preview;
  try {
    preview = await mutate('pruneImages', { dryRun: true });
  } catch (error) {
    status.replaceChildren(notice('bad', `Prune refused: ${error.message}`));
    return;
  }
  if (!preview.tags.length) {
    status.replaceChildren(notice('neutral', `Nothing to prune: no container has more than ${preview.keep} rollback image(s).`));
    return;
  }
  status.replaceChildren();
  const confirmed = await confirmAction({
    title: 'Prune rollback images?',
    body: [h('p', {}, `Keeps the newest ${preview.keep} rollback image(s) of each container and deletes `,
      h('strong', { class: 'prune-total' }, `${preview.imagesDeleted} image(s), ${formatBytes(preview.bytesFreed)}`),
      '. Images a container uses and images of anything else are never touched.'),
    h('ul', { class: 'plan-list prune-tags', 'aria-label': 'Rollback tags to delete' }, preview.tags.map((tag) => h('li', {},
      h('span', { class: 'mono small' }, tag.tag), ' ',
      tag.deletesImage ? h('span', { class: 'muted' }, `(${formatBytes(tag.sizeBytes)} freed)`)
        : h('span', { class: 'muted' }, '(only the tag: the image has another)'))))],
    confirmLabel: 'Prune',
    danger: true,
  });
  if (!confirmed) return;
  try {
    const result = await mutate('pruneImages', {});
    status.replaceChildren(notice('good', `${result.message}.`));
  } catch (error) {
    status.replaceChildren(notice('bad', `Prune refused: ${error.message}`));
  }
  reload();
}

// The managed containers, each with its image check from checkForUpdates (matched by name).
function containerTable(containers, imageChecks, status, live, reload) {
  if (!containers.length) return h('p', { class: 'muted' }, 'No managed containers (see docker.containers and labels).');
  const admin = isAdmin();
  const checks = new Map((imageChecks.docker ?? []).map((check) => [check.container, check]));
  const updatable = containers.filter((container) => !container.monitorOnly && checks.get(container.name)?.updateAvailable);
  const updateCell = (name) => {
    if (imageChecks.dockerError) return h('span', { class: 'badge bad', title: imageChecks.dockerError }, 'check failed');
    const check = checks.get(name);
    return check ? imageUpdateStatus(check) : h('span', { class: 'muted' }, '—');
  };
  const toolbar = h('div', { class: 'toolbar' },
    h('button', {
      type: 'button', class: 'button', 'data-action': 'update-all', disabled: !admin || !updatable.length,
      title: admin ? 'Update every container with a newer image' : VIEWER_NOTE,
      onclick: () => update([], status, live, reload),
    }, `Update all with updates (${updatable.length})…`),
    h('button', {
      type: 'button', class: 'button secondary', 'data-action': 'prune', disabled: !admin,
      title: admin ? 'Delete old rollback images (a preview comes first)' : VIEWER_NOTE,
      onclick: () => prune(status, reload),
    }, 'Prune rollback images…'));
  return [toolbar, h('div', { class: 'table-scroll' }, h('table', { class: 'table containers' },
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
      h('td', { class: 'actions' },
        updatable.includes(container) ? [h('button', {
          type: 'button', class: 'button small', 'data-action': 'update', disabled: !admin,
          title: admin ? `Update ${container.name}` : VIEWER_NOTE,
          onclick: () => update([container.name], status, live, reload),
        }, 'Update…'), ' '] : null,
        h('button', {
          type: 'button', class: 'button secondary small', 'data-action': 'restart', disabled: !admin,
          title: admin ? `Restart ${container.name}` : VIEWER_NOTE,
          onclick: () => restart(container, status, reload),
        }, 'Restart')))))))];
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
  const live = h('div', { class: 'live-slot' });
  const reload = () => {
    list.replaceChildren(panel('Managed containers',
      () => Promise.all([query('listContainers'), query('checkForUpdates').catch((error) => ({ dockerError: error.message }))]),
      ([containers, checks]) => containerTable(containers, checks, status, live, reload), 'containers-panel'));
  };
  if (!isAdmin()) view.append(notice('neutral', VIEWER_NOTE));
  view.append(status, live, list, panel('Docker engine', () => query('getDockerInfo'), dockerInfo));
  reload();
}
