// Safe DOM building: every string becomes a text node or an attribute value, never markup.
// Nothing in the dashboard assigns innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  return element;
}

// h('a', {href: '#/x', class: 'link'}, 'text', child…)
export function h(tag, attributes, ...children) {
  return append(setAttributes(document.createElement(tag), attributes), children);
}

// The same for SVG elements.
export function svg(tag, attributes, ...children) {
  return append(setAttributes(document.createElementNS(SVG_NS, tag), attributes), children);
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// A <time> in the browser's zone with the UTC value on hover.
export function timeElement(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, iso);
  return h('time', { datetime: date.toISOString(), title: `${date.toISOString().replace('.000Z', 'Z')} (UTC)` },
    localTime.format(date));
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 10 ? 0 : 1)} ${units[unit]}`;
}

// A coloured status word: the class says good / bad / warn / neutral.
const OUTCOMES = {
  succeeded: 'good', rolled_back: 'warn', failed: 'bad', rollback_failed: 'bad',
  running: 'neutral', rolling_back: 'warn', pending: 'neutral', skipped: 'neutral',
};
export function outcomeBadge(status) {
  return h('span', { class: ['badge', OUTCOMES[status] ?? 'neutral'] }, String(status).replace('_', ' '));
}

// What a transaction changed: "1.0.0 → 1.1.0" for code, the containers for a docker update
// (its toVersion names them).
export function transactionChange(tx) {
  if (tx.type === 'system_update_docker') return tx.findings.toVersion || '—';
  return `${tx.findings.fromVersion || '—'} → ${tx.findings.toVersion || '—'}`;
}

// A panel's loading state, replaced by its content or error later.
export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

export function errorBox(error, what) {
  return h('div', { class: 'panel-error', role: 'alert' },
    h('strong', {}, what ? `Could not load ${what}: ` : 'Error: '), error?.message ?? String(error));
}

// A status message: kind good / bad / neutral (bad ones are announced as alerts).
export function notice(kind, ...text) {
  return h('p', { class: ['notice', kind], role: kind === 'bad' ? 'alert' : 'status' }, ...text);
}

export const VIEWER_NOTE = 'Viewers cannot change anything: sign in with an admin token.';

// A panel that shows its loading state, then what `fill` builds from `load()`'s result, or
// the error.
export function panel(title, load, fill, extraClass) {
  const body = h('div', { class: 'panel-body' }, loading());
  const section = h('section', { class: ['panel', extraClass], 'aria-label': title }, h('h2', {}, title), body);
  load().then(
    (data) => body.replaceChildren(...[fill(data)].flat(Infinity).filter((node) => node !== null && node !== undefined)),
    (error) => body.replaceChildren(errorBox(error, title.toLowerCase())),
  );
  return section;
}

export function shortDigest(digest) {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '';
}

// A container's image check (checkForUpdates' docker part): current, update (with the newer
// tag or digest) or the check's error.
export function imageUpdateStatus(check) {
  if (check.error) return h('span', { class: 'badge bad', title: check.error }, 'check failed');
  if (!check.updateAvailable) return h('span', { class: 'badge good' }, 'current');
  return [h('span', { class: 'badge warn' }, 'update'), ' ',
    h('span', { class: 'mono small' }, check.newerTag ?? shortDigest(check.remoteDigest))];
}
