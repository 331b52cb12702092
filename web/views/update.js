import { isAdmin, mutate, query } from '../api.js';
import { clear, errorBox, h, imageUpdateStatus, loading, notice, panel, VIEWER_NOTE } from '../dom.js';
import { confirmAction } from './confirm.js';
import { runLive } from './live.js';
import { breakingBadge, codePlanBody, dockerPlanBody, plannedContainers } from './plans.js';

// The Update screen: a code, container or full update with the original options, a
// confirmation built from the daemon's dry runs, then the live view (live.js).

const KINDS = [
  ['code', 'Code', 'the app, to its newest allowed release'],
  ['docker', 'Containers', 'managed containers, to their newer images'],
  ['full', 'Full', 'the code, then the containers (not touched if the code update fails)'],
];

// The form's choices: the kind, applyCodeUpdate's options (branch only when one was typed),
// and the containers (none chosen: every one with an update), compose file, zero downtime.
function readOptions(form) {
  const { elements } = form;
  const code = {
    skipBackup: elements.skipBackup.checked,
    skipMigrations: elements.skipMigrations.checked,
    skipBuild: elements.skipBuild.checked,
  };
  const branch = elements.branch.value.trim();
  if (branch) code.branch = branch;
  const containers = [...form.querySelectorAll('input[name="container"]:checked')].map((input) => input.value);
  return {
    kind: elements.kind.value,
    code,
    containers,
    composeFile: elements.composeFile.value.trim(),
    zeroDowntime: elements.zeroDowntime.checked,
  };
}

const names = (plan) => plannedContainers(plan).map((container) => container.container);

// The chosen containers the image check (checkForUpdates' docker part) found on their newest
// image. The daemon's dry run plans a named container whatever its image: it would be pulled
// and recreated on the image it already runs.
function currentContainers(options, available) {
  const checks = new Map((available.docker ?? []).map((image) => [image.container, image]));
  return options.containers.filter((name) => checks.get(name)?.updateAvailable === false);
}

// Whether containers were chosen and every one of them runs its newest image.
function chosenAllCurrent(options, available) {
  return !options.composeFile && options.containers.length > 0 &&
    currentContainers(options, available).length === options.containers.length;
}

// The note in a confirmation naming the chosen containers already on their newest image.
function currentNote(options, available) {
  const current = currentContainers(options, available);
  return current.length ? h('p', { class: 'muted plan-current' },
    `${current.join(', ')} already ${current.length === 1 ? 'runs its' : 'run their'} newest image: recreated on the same image.`) : null;
}

// The confirmation of applyCodeUpdate's dry-run `plan`, with `more` below it.
function codeConfirmation(plan, options, available, ...more) {
  return {
    title: 'Apply this code update?',
    body: [codePlanBody(plan, available.code, options.code), ...more],
    danger: Boolean(available.code?.breaking),
    procedure: 'applyCodeUpdate',
    input: options.code,
  };
}

// Each kind: its dry run(s) -> {title, body, danger, procedure, input}, or {nothing: why} when
// there is nothing to apply.
const PLANS = {
  async code(options, available) {
    const plan = (await mutate('applyCodeUpdate', { ...options.code, dryRun: true })).plan;
    if (!plan) return { nothing: 'Already up to date: there is no newer release to apply.' };
    return codeConfirmation(plan, options, available);
  },
  async docker(options, available) {
    if (chosenAllCurrent(options, available)) return { nothing: 'Nothing to update: every chosen container runs its newest image.' };
    const target = options.composeFile ? { composeFile: options.composeFile } : { containers: options.containers };
    const plan = await mutate('applyDockerUpdate', { ...target, zeroDowntime: options.zeroDowntime, dryRun: true });
    if (!plannedContainers(plan).length) {
      return { nothing: `Nothing to update: ${plan.errors.join('; ') || 'every chosen container runs its newest image.'}` };
    }
    return {
      title: names(plan).length === 1 ? `Update ${names(plan)[0]}?` : `Update ${names(plan).length} containers?`,
      body: [
        options.composeFile ? h('p', { class: 'plan-compose' }, 'Every service of ',
          h('span', { class: 'mono' }, options.composeFile), ', on the image the file names:') : null,
        dockerPlanBody(plan, options),
        currentNote(options, available),
      ],
      danger: true,
      procedure: 'applyDockerUpdate',
      // What was confirmed: the planned containers, or the compose file's.
      input: { ...(options.composeFile ? target : { containers: names(plan) }), zeroDowntime: options.zeroDowntime },
    };
  },
  // Both dry runs, one after the other: the code's, then the containers'. With no container
  // to update, only the code's update runs (an empty list would mean every container).
  async full(options, available) {
    const code = (await mutate('applyCodeUpdate', { ...options.code, dryRun: true })).plan;
    const docker = chosenAllCurrent(options, available) ? { containers: [], errors: [] }
      : await mutate('applyDockerUpdate', { containers: options.containers, dryRun: true });
    if (!code && !plannedContainers(docker).length) {
      return { nothing: 'Already up to date: no newer release, and every chosen container runs its newest image.' };
    }
    if (!plannedContainers(docker).length) {
      return codeConfirmation(code, options, available,
        h('p', { class: 'muted' }, 'No chosen container has a newer image: they are left as they are.'));
    }
    return {
      title: 'Apply this full update?',
      body: [
        h('h3', {}, '1. The code'),
        code ? codePlanBody(code, available.code, options.code) : h('p', { class: 'muted' }, 'The code is up to date: it is left as it is.'),
        h('h3', {}, '2. Then the containers'),
        dockerPlanBody(docker), currentNote(options, available),
        h('p', { class: 'muted small' }, 'Two transactions: the containers are not touched if the code update fails.'),
      ],
      danger: true,
      procedure: 'applyFullUpdate',
      input: { codeOptions: options.code, dockerOptions: { containers: names(docker) } },
    };
  },
};

async function review(form, available, status, live, refresh) {
  const options = readOptions(form);
  status.replaceChildren(loading('Working out what will happen…'));
  let plan;
  try {
    plan = await PLANS[options.kind](options, available);
  } catch (error) {
    status.replaceChildren(notice('bad', `Cannot plan the update: ${error.message}`));
    return;
  }
  if (plan.nothing) {
    status.replaceChildren(notice('neutral', plan.nothing));
    return;
  }
  status.replaceChildren();
  const confirmed = await confirmAction({ ...plan, confirmLabel: 'Apply update' });
  if (!confirmed) return;
  const controls = form.querySelectorAll('button, input');
  for (const control of controls) control.disabled = true;
  await runLive(live, plan.procedure, plan.input);
  for (const control of controls) control.disabled = false;
  refresh();
}

function checkbox(name, label, help, value) {
  const id = value ? `option-${name}-${value}` : `option-${name}`;
  return h('div', { class: 'option' },
    h('input', { type: 'checkbox', id, name, value, disabled: !isAdmin() }),
    h('label', { for: id }, label, help ? h('span', { class: 'muted small' }, ' — ', help) : null));
}

function textField(name, label, placeholder, help) {
  const id = `option-${name}`;
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: id }, label),
    h('input', { id, name, type: 'text', placeholder, autocomplete: 'off', spellcheck: 'false', disabled: !isAdmin() }),
    h('span', { class: 'muted small' }, help));
}

// The managed containers to choose from, each with its image check.
function containerChoices(containers, check) {
  const updatable = containers.filter((container) => !container.monitorOnly);
  if (!updatable.length) return h('p', { class: 'muted' }, 'No managed containers (see docker.containers and labels).');
  const checks = new Map((check.docker ?? []).map((image) => [image.container, image]));
  return updatable.map((container) => checkbox('container', h('strong', {}, container.name), [
    h('span', { class: 'mono small' }, container.image), ' ',
    checks.has(container.name) ? imageUpdateStatus(checks.get(container.name)) : null,
  ], container.name));
}

export function renderUpdate(view) {
  const admin = isAdmin();
  const status = h('div', { class: 'status-line' });
  const live = h('div', { class: 'live-slot' });
  const available = {};  // checkForUpdates' answer, for the confirmations
  const choices = h('div', { class: 'container-choices', role: 'group', 'aria-label': 'Containers' });
  // Each check replaces the last one whole (a key it lacks, e.g. docker when the engine is
  // unreachable, must not survive from before).
  const replaceAvailable = (check) => {
    for (const key of Object.keys(available)) delete available[key];
    return Object.assign(available, check);
  };
  // One image check per load, for the Available panel and the container choices.
  const availablePanel = (checking) => panel('Available', () => checking.then(replaceAvailable),
    ({ code, docker, dockerError }) => [
      code.available
        ? h('p', { class: 'update-line' }, h('span', { class: 'version-from' }, code.currentVersion), ' → ',
          h('strong', { class: 'version-to' }, code.latestVersion), breakingBadge(code))
        : h('p', { class: 'summary good' }, `Up to date (${code.currentVersion}).`),
      docker?.length ? h('p', { class: 'muted' },
        `${docker.filter((image) => image.updateAvailable).length} of ${docker.length} container(s) with a newer image.`) : null,
      dockerError ? h('p', { class: 'errors' }, `The containers could not be checked: ${dockerError}`) : null,
    ]);
  const loadChoices = (checking) => {
    choices.replaceChildren(loading());
    Promise.all([query('listContainers'), checking.catch(() => ({}))]).then(
      ([containers, check]) => choices.replaceChildren(...[containerChoices(containers, check)].flat()),
      (error) => choices.replaceChildren(errorBox(error, 'the containers')));
  };
  let shown = null;
  const load = () => {
    const checking = query('checkForUpdates');
    const next = availablePanel(checking);
    shown?.replaceWith(next);
    shown = next;
    loadChoices(checking);
  };
  load();

  const codeOptions = h('fieldset', { class: 'options', 'data-kinds': 'code full' }, h('legend', {}, 'Code'),
    textField('branch', 'Branch', 'the configured release source', 'Empty: the newest release allowed by the update policy.'),
    checkbox('skipBackup', 'Skip backup', 'no backup first: a failure cannot restore data'),
    checkbox('skipMigrations', 'Skip migrations', 'the database schema stays as it is'),
    checkbox('skipBuild', 'Skip build', 'the build step does not run'));
  const composeField = textField('composeFile', 'Compose file', 'e.g. docker-compose.yml',
    'Instead of the containers above: every service of this stack (relative to the app root).');
  const zeroDowntime = checkbox('zeroDowntime', 'Zero downtime', 'start each new container beside the old one where it can');
  const dockerOptions = h('fieldset', { class: 'options', 'data-kinds': 'docker full' }, h('legend', {}, 'Containers'),
    h('p', { class: 'muted small' }, 'None chosen: every managed container with a newer image.'), choices, composeField, zeroDowntime);
  const kinds = h('fieldset', { class: 'options kinds' }, h('legend', {}, 'What to update'),
    KINDS.map(([value, label, help]) => h('div', { class: 'option' },
      h('input', { type: 'radio', name: 'kind', id: `kind-${value}`, value, checked: value === 'code', disabled: !admin }),
      h('label', { for: `kind-${value}` }, label, h('span', { class: 'muted small' }, ` — ${help}`)))));
  const form = h('form', { class: 'panel update-form', 'aria-label': 'Update options' },
    h('h2', {}, 'Apply an update'), kinds, codeOptions, dockerOptions,
    h('div', { class: 'form-actions' }, h('button', {
      type: 'submit', class: 'button', 'data-action': 'review-update', disabled: !admin,
      title: admin ? 'See what will happen, then confirm' : VIEWER_NOTE,
    }, 'Review update…')));
  // Only the options of the chosen kind are shown; a full update takes containers only.
  const showKind = () => {
    const kind = form.elements.kind.value;
    for (const fieldset of [codeOptions, dockerOptions]) fieldset.hidden = !fieldset.dataset.kinds.split(' ').includes(kind);
    composeField.hidden = zeroDowntime.hidden = kind === 'full';
  };
  form.addEventListener('change', showKind);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    review(form, available, status, live, load);
  });
  showKind();
  if (!admin) view.append(notice('neutral', VIEWER_NOTE));
  view.append(h('div', { class: 'grid top' }, shown, form), status, clear(live));
}
