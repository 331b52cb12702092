import { h } from '../dom.js';

// The bodies of the update confirmations: what the daemon's dry runs say will happen.

export function breakingBadge(code) {
  return code?.breaking
    ? h('span', { class: 'badge bad', title: (code.breakingReasons ?? []).join('\n') }, 'breaking')
    : null;
}

// applyCodeUpdate's dry-run plan for `options`; `code` is checkForUpdates' code part.
export function codePlanBody(plan, code, options) {
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

// The containers applyDockerUpdate's dry run would recreate ("planned").
export function plannedContainers(plan) {
  return plan.containers.filter((container) => container.outcome === 'planned');
}

const STRATEGY_NAMES = { 'zero-downtime': 'zero downtime', recreate: 'in place' };

// How the dry run predicts a container is replaced, when zero downtime was asked for or is
// the configured default: "zero downtime", or "in place" with the reason it cannot be beside.
function plannedStrategy(container, zeroDowntime) {
  if (!container.strategy || (!zeroDowntime && container.strategy !== 'zero-downtime')) return null;
  return [' ', h('span', { class: 'badge neutral plan-strategy', 'data-strategy': container.strategy },
    STRATEGY_NAMES[container.strategy] ?? container.strategy),
  container.strategyReason ? h('span', { class: 'muted small' }, ` (${container.strategyReason})`) : null];
}

// applyDockerUpdate's dry-run plan: each container, the image it is recreated on and how.
export function dockerPlanBody(plan, { zeroDowntime = false } = {}) {
  return [
    h('p', {}, 'Each container is recreated on its newer image with its whole configuration. ',
      zeroDowntime ? 'With zero downtime, the new one starts beside the old one and takes over once healthy (a container that publishes a host port, or is not on a user-defined network, is recreated in place). '
        : '', 'The old one is kept until the new one is healthy, and comes back if it is not.'),
    h('ul', { class: 'plan-list', 'aria-label': 'Planned container updates' }, plannedContainers(plan).map((container) => h('li', {},
      h('strong', {}, container.container), ' → ', h('span', { class: 'mono small' }, container.image),
      plannedStrategy(container, zeroDowntime)))),
    plan.errors.length ? h('p', { class: 'errors' }, plan.errors.join('; ')) : null,
  ];
}
