// Drives the dashboard in real headless Chromium (Debian's /usr/bin/chromium) with
// playwright-core, against a running `galaos-updater serve`.
// usage (tests/support NodeReference): node dashboard.js <playwright-core dir> <in.json> <out.json>
// in.json: {"scenario": "main" | "update", "baseUrl", "adminToken", "viewerToken",
//           "screenshots": "<dir>", "userDataDir": "<empty dir>", and for "main":
//           "runningVersion", "latestVersion", "backupVersion" (the version of the one backup),
//           "hostile": "<the markup the changelog carries>"; for "update": "fromVersion",
//           "toVersion" (the update that succeeds); for "docker": "container" (a managed
//           container whose image has a newer push), "image" (its reference), "oldRollbackTag"
//           (an older rollback tag of it that a prune deletes), "service" and "serviceImage" (a
//           second such container and its image, updated from the Update screen),
//           "fullContainer" (a third, updated by a full update), "failingContainer" (a fourth,
//           unhealthy on its newer image), "besideContainer" (a fifth, only on a user-defined
//           network: rolled out with zero downtime), "withUpdates" (how many managed containers
//           have an update), "composeFile" (a docker-compose file inside the app root naming
//           newer images than its running stack), "stackContainers" (the stack's containers),
//           "fromVersion", "toVersion" (the full update's code part)}
// out.json: {"checks": [{"name", "ok", "detail"}], "pageErrors": [...]}: one entry per
// behaviour checked, so the C++ test reports each failure by name.
'use strict';
const fs = require('fs');
const path = require('path');

const TIMEOUT = 60000;
// Not the machine's zone (UTC), and no DST: the page must show times in the browser's zone.
const TIME_ZONE = 'Asia/Kolkata';

async function main() {
  const [playwrightDir, inputPath, outputPath] = process.argv.slice(2);
  const { chromium } = require(playwrightDir);
  const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  const checks = [];
  const pageErrors = [];
  const check = (name, ok, detail = '') => checks.push({ name, ok: Boolean(ok), detail: String(detail) });
  const write = () => fs.writeFileSync(outputPath, JSON.stringify({ checks, pageErrors }, null, 2));

  const context = await chromium.launchPersistentContext(input.userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    timezoneId: TIME_ZONE,
  });
  context.setDefaultTimeout(TIMEOUT);
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // Refused requests (401 before sign-in, the forged 403) log "Failed to load resource";
      // anything else, CSP violations included, is a defect.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        pageErrors.push(`console: ${message.text()}`);
      }
    });
    const shot = (name) => page.screenshot({ path: path.join(input.screenshots, `${name}.png`), fullPage: false });
    const signIn = async (token) => {
      await page.fill('#token', token);
      await page.press('#token', 'Enter');
      await page.waitForSelector('#topbar:not([hidden])');
    };
    // Requests the page made that never got an answer: the first clue when a wait times out.
    const pending = new Set();
    page.on('request', (request) => pending.add(request));
    page.on('requestfinished', (request) => pending.delete(request));
    const failed = [];
    const failedMutations = [];  // a mutation is never retried: none may fail on the network
    page.on('requestfailed', (request) => {
      pending.delete(request);
      failed.push(`${request.url().replace(input.baseUrl, '')}: ${request.failure()?.errorText}`);
      if (request.method() === 'POST') failedMutations.push(failed.at(-1));
    });
    const scenario = { main: mainScenario, update: updateScenario, docker: dockerScenario }[input.scenario];
    try {
      await scenario({ page, input, check, shot, signIn, failedMutations });
    } catch (error) {
      const unanswered = [...pending].map((request) => `${request.method()} ${request.url()}`);
      const loaded = await page.evaluate(() => `${document.readyState}: ${performance.getEntriesByType('resource')
        .map((entry) => `${entry.name.replace(location.origin, '')} ${entry.responseStatus} ${Math.round(entry.duration)}ms`).join(', ')}`)
        .catch((why) => String(why));
      check('the browser session ran to the end', false,
        `${error.stack}\nunanswered requests: ${unanswered.join(', ') || 'none'}\nfailed: ${failed.join(', ') || 'none'}\n` +
        `loaded: ${loaded}\n` +
        `page: ${await page.innerText('body').catch(() => '?')}`);
      await shot(`failed-${input.scenario}`).catch(() => {});
    }
  } catch (error) {
    check('the browser session ran to the end', false, error.stack);
  } finally {
    await context.close();
    write();
  }
}

// Sign-in, overview, history, backups and a rollback, a failing update that rolls back,
// phone width, sign-out, a viewer.
async function mainScenario({ page, input, check, shot, signIn }) {
  // Sign-in page, with the security headers on the document itself.
  const response = await openDashboard(page, () => page.goto(`${input.baseUrl}/`), '#token');
  const headers = response.headers();
  check('the page has a CSP with script-src self and no unsafe-inline',
    /script-src 'self'/.test(headers['content-security-policy'] ?? '') &&
    !/unsafe-inline/.test(headers['content-security-policy']), headers['content-security-policy']);
  check('the page forbids framing', /frame-ancestors 'none'/.test(headers['content-security-policy'] ?? ''));
  check('the page is nosniff', headers['x-content-type-options'] === 'nosniff', headers['x-content-type-options']);
  await page.waitForSelector('#token');
  await shot('signin');

  await page.fill('#token', '0123456789ab.wrong');
  await page.press('#token', 'Enter');
  await page.waitForFunction(() => document.querySelector('.form-error')?.textContent.length > 0);
  check('a wrong token is refused on the sign-in page',
    (await page.textContent('.form-error')).includes('not valid'), await page.textContent('.form-error'));

  // Overview as admin.
  await signIn(input.adminToken);
  await page.waitForSelector('#running-version');
  check('the overview shows the running version',
    (await page.textContent('#running-version')) === input.runningVersion, await page.textContent('#running-version'));
  await page.waitForSelector('.version-to');
  check('the overview shows the available version',
    (await page.textContent('.version-to')) === input.latestVersion, await page.textContent('.version-to'));
  await page.waitForSelector('.checks .check');
  check('health checks show green and red with the error',
    (await page.locator('.check.good').count()) > 0 && (await page.locator('.check.bad .check-error').count()) > 0);
  const changelog = await page.textContent('.changelog');
  check('hostile markup in the changelog renders as text', changelog.includes(input.hostile), changelog);
  check('hostile markup in the changelog creates no element',
    (await page.locator('main img').count()) === 0 && await page.evaluate(() => window.__xss === undefined));
  check('the changelog Markdown is rendered', (await page.locator('.changelog strong').count()) > 0);
  const hover = await page.getAttribute('time', 'title');
  check('times show UTC on hover', /Z \(UTC\)$/.test(hover ?? ''), hover);
  const shown = await page.textContent('time');
  const local = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, hour: 'numeric', minute: '2-digit' })
    .format(new Date(await page.getAttribute('time', 'datetime')));
  check("times show in the browser's zone", shown.includes(local), `${shown} vs ${local}`);
  await page.waitForSelector('section[aria-label="Container updates"] .panel-error');
  const dockerText = await page.textContent('section[aria-label="Container updates"]');
  check('an unreachable Docker engine shows as an error', /nonexistent|docker/i.test(dockerText), dockerText);
  await page.waitForSelector('.facts');
  const overviewText = await page.innerText('main');
  check('no panel shows a raw null or undefined', !/\b(null|undefined)\b/.test(overviewText), overviewText);
  await shot('overview');

  // A cross-site request cannot send the CSRF token: the same request without it is refused.
  const forged = await page.evaluate(async () => {
    const reply = await fetch('/trpc/systemUpdates.cleanBackups', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"keepCount":1}',
    });
    return { status: reply.status, body: await reply.json() };
  });
  check('a mutation with the cookie but without the CSRF token is FORBIDDEN',
    forged.status === 403 && forged.body.error.data.code === 'FORBIDDEN', JSON.stringify(forged));

  // A reload keeps the session; from the top of the page, Tab alone reaches the navigation
  // (a skip link comes first).
  await openDashboard(page, () => page.reload(), '#running-version');
  check('a reload keeps the session', !(await page.isVisible('#token')));
  const reached = [];
  for (let i = 0; i < 6 && !reached.includes('history'); i += 1) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement?.dataset?.route
      ?? document.activeElement?.className ?? ''));
  }
  check('the navigation is reachable by keyboard', reached[0] === 'skip-link' && reached.includes('history'), reached.join(', '));

  // History: transactions, the chart, and the steps of one.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.location.hash === '#/history');
  await page.waitForSelector('tr.tx');
  check('history lists the transactions', (await page.locator('tr.tx').count()) >= 1);
  check('history draws the SVG chart', (await page.locator('svg.chart rect.bar').count()) >= 1);
  await page.locator('tr.tx button').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('tr.details:not([hidden]) .step');
  check('a transaction opens its steps by keyboard', (await page.locator('tr.details:not([hidden]) .step').count()) > 0);
  await shot('history');

  // Backups: an admin can roll back; the confirmation can be cancelled with Escape.
  await page.click('a[data-route="backups"]');
  await page.waitForSelector('button[data-action="rollback"]');
  check('an admin can press roll back', await page.isEnabled('button[data-action="rollback"]'));
  await page.click('button[data-action="rollback"]');
  await page.waitForSelector('dialog[open]');
  const dialogText = await page.textContent('dialog[open]');
  check('the rollback confirmation says what will happen', dialogText.includes('Roll back to'), dialogText);
  // The sample app has no database: the backup holds code only, and the dialog says so.
  check('the rollback confirmation says the backup holds code only',
    /code \(\d+ files?\) returns/.test(dialogText) && dialogText.includes('holds no database'), dialogText);
  await shot('backups-confirm');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await shot('backups');

  // A confirmed rollback goes through (the session's CSRF token travels with it).
  await page.click('button[data-action="rollback"]');
  await page.click('dialog[open] .button.danger');
  await page.waitForSelector('.status-line .notice');
  const rolledBack = await page.textContent('.status-line .notice');
  check('a confirmed rollback returns the app to the backup', rolledBack.includes(`Rolled back to ${input.backupVersion}`), rolledBack);
  await page.click('a[data-route="overview"]');
  await page.waitForFunction((version) => document.querySelector('#running-version')?.textContent === version, input.backupVersion);
  check('the overview shows the version rolled back to', true);

  // An update whose health check fails on the new version rolls back, live.
  const failing = await applyUpdate(page, check, shot, 'update-rollback');
  check('a failing update ends with the rollback banner',
    /warn/.test(failing.bannerClass) && failing.banner.includes('rolled back') && failing.banner.includes(input.backupVersion),
    failing.banner);
  check('the failed step is marked failed', failing.steps.some((step) => /:failed$/.test(step)), failing.steps.join(', '));

  // Phone width.
  await page.click('a[data-route="overview"]');
  await page.waitForSelector('#running-version');
  await atPhoneWidth(page, check, shot, 'overview');

  await schedulesAsAdmin(page, check, shot);

  // Sign out: back to the sign-in page, and the cookie no longer works.
  await page.click('#sign-out');
  await page.waitForSelector('#token');
  const after = await page.evaluate(async () => (await fetch('/trpc/systemUpdates.healthCheck')).status);
  check('after sign-out the API is UNAUTHORIZED', after === 401, after);

  // A viewer sees everything, but cannot press a mutating control.
  await signIn(input.viewerToken);
  await page.click('a[data-route="backups"]');
  await page.waitForSelector('button[data-action="rollback"]');
  check("a viewer's rollback button is disabled", await page.isDisabled('button[data-action="rollback"]'));
  check("a viewer's clean button is disabled", await page.isDisabled('button[data-action="clean"]'));
  await shot('backups-viewer');
  await page.click('a[data-route="update"]');
  await page.waitForSelector('button[data-action="review-update"]');
  check("a viewer's update controls are disabled", await page.isDisabled('button[data-action="review-update"]') &&
    await page.isDisabled('#option-skipBackup') && await page.isDisabled('#option-branch') &&
    await page.isDisabled('#kind-docker') && await page.isDisabled('#kind-full') &&
    await page.isDisabled('#option-composeFile') && await page.isDisabled('#option-zeroDowntime'));
  await schedulesAsViewer(page, check, shot);
  await page.click('#sign-out');
  await page.waitForSelector('#token');
}

// The texts of the schedules listed, each with its id.
async function listedSchedules(page) {
  return page.locator('tr.schedule').evaluateAll((rows) => rows.map((row) => ({
    id: row.dataset.schedule, text: row.textContent, nextRuns: row.querySelectorAll('.next-runs time').length,
  })));
}

// Schedules as an admin: the daemon's default ones with their meaning and next 5 runs; bad
// input refused by the server with the error next to its field; create, disable, enable and
// remove one.
async function schedulesAsAdmin(page, check, shot) {
  await page.click('a[data-route="schedules"]');
  await page.waitForSelector('tr.schedule');
  const defaults = await listedSchedules(page);
  check('the schedules screen lists the default schedules with their meaning',
    defaults.some((row) => /every day at 02:00/.test(row.text)) && defaults.some((row) => /every Sunday at 03:00/.test(row.text)),
    defaults.map((row) => row.text).join('\n'));
  check('each schedule shows its next 5 fire times', defaults.every((row) => row.nextRuns === 5),
    defaults.map((row) => row.nextRuns).join(', '));

  const submit = async () => {
    await page.evaluate(() => { for (const error of document.querySelectorAll('.schedule-form .form-error')) error.textContent = ''; });
    await page.click('button[data-action="create-schedule"]');
  };
  await page.fill('#schedule-cron', '61 * * * *');
  await submit();
  await page.waitForFunction(() => document.querySelector('#error-schedule')?.textContent.length > 0);
  const cronError = await page.textContent('#error-schedule');
  check("the server's cron error shows next to the cron field", /cron/i.test(cronError), cronError);
  check('the cron field has the focus after its error', await page.evaluate(() => document.activeElement?.id === 'schedule-cron'));
  await page.fill('#schedule-cron', '30 4 * * 1');
  await page.fill('#schedule-timezone', 'Mars/Olympus_Mons');
  await submit();
  await page.waitForFunction(() => document.querySelector('#error-timezone')?.textContent.length > 0);
  const zoneError = await page.textContent('#error-timezone');
  check("the server's zone error shows next to the zone field",
    zoneError.includes('Mars/Olympus_Mons') && (await page.textContent('#error-schedule')) === '', zoneError);
  check('a refused schedule is not created', (await page.locator('tr.schedule').count()) === defaults.length);

  await page.fill('#schedule-timezone', 'Europe/Berlin');
  await page.selectOption('#schedule-type', 'docker');
  await page.check('#schedule-autoApply');
  await page.fill('#schedule-window', 'Sat,Sun 02:00-05:00');
  await page.check('input[name="channel"][value="database"]');
  await submit();
  await page.waitForFunction((count) => document.querySelectorAll('tr.schedule').length === count + 1, defaults.length);
  const created = (await listedSchedules(page)).find((row) => !defaults.some((old) => old.id === row.id));
  check('a created schedule is listed with its meaning, window, channels and next runs',
    created && /every Monday at 04:30 Europe\/Berlin/.test(created.text) && created.text.includes('Sat,Sun 02:00-05:00') &&
    created.text.includes('database') && created.nextRuns === 5, created?.text);
  const row = `tr.schedule[data-schedule="${created?.id}"]`;
  await shot('schedules');

  await page.click(`${row} button[data-action="disable"]`);
  await page.waitForSelector(`${row} button[data-action="enable"]`);
  check('a disabled schedule says so', (await page.textContent(row)).includes('disabled'));
  await page.click(`${row} button[data-action="enable"]`);
  await page.waitForSelector(`${row} button[data-action="disable"]`);
  check('an enabled schedule loses the disabled badge', !(await page.textContent(row)).includes('disabled'));

  await page.click(`${row} button[data-action="remove-schedule"]`);
  await page.waitForSelector('dialog[open]');
  const confirmText = await page.textContent('dialog[open]');
  check('removing asks first, naming the schedule', confirmText.includes('every Monday at 04:30'), confirmText);
  await shot('schedules-remove-confirm');
  await page.click('dialog[open] .button.danger');
  // The list reloads: until it shows the others again without this one.
  await page.waitForFunction(({ selector, count }) => !document.querySelector(selector) &&
    document.querySelectorAll('tr.schedule').length === count, { selector: row, count: defaults.length });
  check('a removed schedule is gone', true);

  // Run now: a check of the code only announces (the confirmation says nothing changes).
  await page.selectOption('#trigger-type', 'code');
  await page.click('button[data-action="trigger"]');
  await page.waitForSelector('dialog[open]');
  const triggerText = await page.textContent('dialog[open]');
  check('run now asks first and says a check changes nothing', triggerText.includes('nothing is changed'), triggerText);
  await page.click('dialog[open] .dialog-actions .button:not(.secondary)');
  await page.waitForFunction(() => /^code:/.test(document.querySelector('.status-line .notice')?.textContent ?? ''));
  const triggered = await page.textContent('.status-line .notice');
  check('run now reports what the check found', triggered.includes('1.2.0') || /available/.test(triggered), triggered);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('the schedules screen has no horizontal scrolling', overflow <= 0, `overflow ${overflow}px`);
  await atPhoneWidth(page, check, shot, 'schedules');
}

// A viewer sees the schedules, every control is disabled, and the server refuses a change
// even with the viewer's own CSRF token.
async function schedulesAsViewer(page, check, shot) {
  await page.click('a[data-route="schedules"]');
  await page.waitForSelector('tr.schedule');
  const controls = ['button[data-action="create-schedule"]', '#schedule-cron', 'button[data-action="trigger"]',
    'tr.schedule button[data-action="remove-schedule"]', 'tr.schedule button[data-action="disable"]'];
  const enabled = [];
  for (const selector of controls) {
    for (const control of await page.locator(selector).all()) {
      if (await control.isEnabled()) enabled.push(selector);
    }
  }
  check("a viewer's schedule controls are disabled", enabled.length === 0, enabled.join(', '));
  await shot('schedules-viewer');
  const refused = await page.evaluate(async (id) => {
    const { csrfToken } = await (await fetch('/auth/session')).json();
    const reply = await fetch('/trpc/systemUpdates.removeSchedule', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
      body: JSON.stringify({ scheduleId: id }),
    });
    return { status: reply.status, body: await reply.json() };
  }, await page.getAttribute('tr.schedule', 'data-schedule'));
  check('the server refuses a viewer removing a schedule', refused.status === 403 && refused.body.error.data.code === 'FORBIDDEN',
    JSON.stringify(refused));
}

// Loads the dashboard (or reloads it) until `selector` shows. Chromium aborts the requests in
// flight when the machine's interfaces change (net::ERR_NETWORK_CHANGED: the shared Docker
// engine adds and removes veths for every container it starts), and a module that failed to
// load leaves the page dead: such a load is tried again, as a person would reload.
async function openDashboard(page, load, selector) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await load();
    try {
      await page.waitForSelector(selector, { timeout: 20000 });
      return response;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

// The current screen at phone width: no horizontal scrolling, and a screenshot.
async function atPhoneWidth(page, check, shot, screen) {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`the ${screen} fits a phone-width screen`, overflow <= 0, `overflow ${overflow}px`);
  await shot(`${screen}-phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

// Opens the Update screen, chooses the kind of update (and containers), reviews the plan,
// confirms, and waits for the final banner; the live view counts the step events it received
// from /events.
async function applyUpdate(page, check, shot, name,
  { kind = 'code', containers = [], composeFile = '', zeroDowntime = false, live = true } = {}) {
  await page.click('a[data-route="update"]');
  await page.waitForSelector('button[data-action="review-update"]:not([disabled])');
  await page.check(`#kind-${kind}`);
  if (containers.length) await page.waitForSelector('.container-choices input');
  for (const container of containers) await page.check(`#option-container-${container}`);
  if (kind === 'docker') {  // the form keeps its choices
    await page.fill('#option-composeFile', composeFile);
    await page.setChecked('#option-zeroDowntime', zeroDowntime);
  }
  await page.click('button[data-action="review-update"]');
  await page.waitForSelector(`dialog[open] ${kind === 'docker' ? '.plan-list' : '.plan-steps'}`);
  const plan = {
    text: await page.textContent('dialog[open]'),
    target: await page.evaluate(() => document.querySelector('dialog[open] .plan-target')?.textContent ?? null),
    containers: await page.locator('dialog[open] .plan-list li').allTextContents(),
    // The strategy the dry run predicts for each container shown with one.
    strategies: await page.locator('dialog[open] .plan-strategy').evaluateAll((badges) => badges.map((badge) => badge.dataset.strategy)),
  };
  await shot(`${name}-confirm`);
  await page.click('dialog[open] .dialog-actions .button:not(.secondary)');
  await page.waitForSelector('.live-banner .final');
  const streamed = Number(await page.getAttribute('.live', 'data-events'));
  if (live) check(`${name}: the steps arrived live from /events`, streamed >= 2, `${streamed} step events`);
  // (Its output is the server's: only the steps and the banner are the page's own.)
  await looksRight(page, check, `${name}: the live view`, '.live-banner, .live-phases');
  await shot(name);
  return {
    plan,
    banner: await page.textContent('.live-banner .final'),
    bannerClass: await page.getAttribute('.live-banner .final', 'class'),
    steps: await page.locator('.live-step').evaluateAll((items) => items.map((item) => `${item.dataset.step}:${item.dataset.state}`)),
    // How each recreate step replaced its container, as the live view shows it.
    strategies: Object.fromEntries(await page.locator('.live-step[data-strategy]').evaluateAll((items) => items.map((item) =>
      [item.dataset.step, `${item.dataset.strategy}|${item.querySelector('.step-strategy').textContent}`]))),
    phases: await page.locator('.live-phase').evaluateAll((phases) => phases.map((phase) => ({
      title: phase.querySelector('.phase-title').textContent,
      steps: [...phase.querySelectorAll('.live-step')].map((item) => `${item.dataset.step}:${item.dataset.state}`),
    }))),
    log: await page.textContent('.live-log'),
  };
}

// The keyboard alone (typing the token, Tab, Shift+Tab, Enter, Space, Escape): sign in, then
// each screen's main controls reached and used; the Update screen's confirmation takes the
// focus, keeps it, and gives it back when Escape closes it; sign out.
async function keyboardOnly(page, check, shot, input) {
  await openDashboard(page, () => page.goto(`${input.baseUrl}/`), '#token');
  const focused = (selector) => page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector);
  const inDialog = () => page.evaluate(() => Boolean(document.activeElement?.closest('dialog[open]')));
  check('the sign-in page starts on the token field', await focused('#token'));
  await page.keyboard.type(input.adminToken);
  check('Tab reaches the sign-in button', await tabTo(page, '.signin button[type="submit"]', { limit: 3 }));
  await page.keyboard.press('Space');
  await page.waitForSelector('#running-version');
  // A screen: Shift+Tab back from the page's content to its link in the navigation, Enter.
  const visit = async (screen, ready) => {
    const reached = await tabTo(page, `a[data-route="${screen}"]`, { back: true });
    await page.keyboard.press('Enter');
    await page.waitForFunction((name) => window.location.hash === `#/${name}`, screen);
    await page.waitForSelector(ready);
    check(`the ${screen} screen is reached by keyboard`, reached && await focused('main'));
  };
  // A dialog opened by keyboard has the focus and keeps it on Tab; Escape closes it and gives
  // the focus back to `opener`.
  const dialogByKeyboard = async (name, opener) => {
    await page.waitForSelector('dialog[open]');
    const inside = await inDialog();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const kept = await inDialog();
    await shot(`keyboard-${name}-dialog`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog[open]', { state: 'detached' });
    check(`the ${name} dialog takes the focus, keeps it, and Escape gives it back`,
      inside && kept && await focused(opener), `inside ${inside}, kept ${kept}`);
  };

  await visit('update', 'button[data-action="review-update"]:not([disabled])');
  check('Tab reaches the skip-backup option and Space ticks it',
    await tabTo(page, '#option-skipBackup') && (await page.keyboard.press('Space'), await page.isChecked('#option-skipBackup')));
  await page.keyboard.press('Space');
  check('Space unticks it again', !(await page.isChecked('#option-skipBackup')));
  check('Tab reaches the review button', await tabTo(page, 'button[data-action="review-update"]'));
  await page.keyboard.press('Enter');
  await dialogByKeyboard('update', 'button[data-action="review-update"]');

  await visit('history', 'tr.tx button');
  check("Tab reaches a transaction's button", await tabTo(page, 'tr.tx button'));
  await page.keyboard.press('Enter');
  await page.waitForSelector('tr.details:not([hidden]) .step');
  check("Enter opens the transaction's steps", true);

  await visit('backups', 'button[data-action="rollback"]');
  check('Tab reaches the rollback button', await tabTo(page, 'button[data-action="rollback"]'));
  await page.keyboard.press('Space');
  await dialogByKeyboard('rollback', 'button[data-action="rollback"]');
  check('Tab reaches the keep count and clean', await tabTo(page, '#keep-count') && await tabTo(page, 'button[data-action="clean"]'));

  await visit('containers', 'section[aria-label="Managed containers"] .panel-error');

  await visit('schedules', 'tr.schedule');
  check("Tab reaches a schedule's disable button", await tabTo(page, 'tr.schedule button[data-action="disable"]'));
  check('Tab reaches the new schedule form', await tabTo(page, '#schedule-cron'));
  check('Tab reaches run now', await tabTo(page, 'button[data-action="trigger"]'));
  await page.keyboard.press('Space');
  await dialogByKeyboard('run-now', 'button[data-action="trigger"]');

  await visit('audit', 'tr.audit-row');
  check('Tab reaches the audit filters', await tabTo(page, '#filter-actor'));
  await page.keyboard.type('viewer-client');
  check('Tab reaches the filter button', await tabTo(page, '.filters button[type="submit"]'));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const shown = [...document.querySelectorAll('tr.audit-row')];
    return shown.length > 0 && shown.every((row) => row.textContent.includes('viewer-client'));
  });
  check('Enter applies the audit filter', true);

  check('Shift+Tab reaches sign out', await tabTo(page, '#sign-out', { back: true }));
  await page.keyboard.press('Space');
  await page.waitForSelector('#token');
  check('Space signs out', true);
}

// The successful update with its live view, the audit screen, containers (engine error).
async function updateScenario({ page, input, check, shot, signIn }) {
  await keyboardOnly(page, check, shot, input);
  await signIn(input.adminToken);
  const applied = await applyUpdate(page, check, shot, 'update-success');
  check('the plan names the target version', applied.plan.target === input.toVersion, applied.plan.target);
  check('the plan says which steps run and which are skipped',
    /run/.test(applied.plan.text) && /skip/.test(applied.plan.text), applied.plan.text);
  check('the update ends with the success banner',
    /good/.test(applied.bannerClass) && applied.banner.includes(`${input.fromVersion} → ${input.toVersion}`), applied.banner);
  check('every step of the update succeeded or was skipped',
    applied.steps.length >= 4 && applied.steps.every((step) => /:(succeeded|skipped)$/.test(step)), applied.steps.join(', '));
  check("the live view streams the steps' output", applied.log.includes('[install] installing dependencies'), applied.log);
  await atPhoneWidth(page, check, shot, 'update');
  // Now on the newest release: a code review says there is nothing to apply.
  await page.click('a[data-route="overview"]');
  await page.click('a[data-route="update"]');
  await page.waitForSelector('.summary.good');
  await page.click('button[data-action="review-update"]');
  await page.waitForSelector('.status-line .notice');
  const nothing = await page.textContent('.status-line .notice');
  check('with no newer release the code review says there is nothing to apply',
    nothing.includes('Already up to date') && nothing.includes('no newer release') &&
    (await page.locator('dialog[open]').count()) === 0, nothing);
  await shot('update-nothing');

  // Audit: the update's row, the verified chain, filters.
  await page.click('a[data-route="audit"]');
  await page.waitForSelector('.chain');
  const chain = await page.textContent('.chain');
  check('the audit screen shows the chain verified', chain.includes('Chain verified'), chain);
  await page.waitForSelector('tr.audit-row');
  const rows = await page.locator('tr.audit-row').allTextContents();
  check("the audit log lists the update's row", rows.some((row) => row.includes('applyCodeUpdate') && row.includes('admin-client')), rows.join('\n'));
  check('the audit log records dashboard sign-ins and sign-outs',
    rows.some((row) => row.includes('auth.session.create') && row.includes('admin-client')) &&
    rows.some((row) => row.includes('auth.session.delete') && row.includes('viewer-client')), rows.join('\n'));
  const signInAddress = await page.locator('tr.audit-row', { hasText: 'auth.session.create' }).first()
    .evaluate((row) => [...row.querySelectorAll('[title]')].map((cell) => cell.title).join(' '));
  check('a sign-in row holds the client address', signInAddress.includes('127.0.0.1'), signInAddress);
  await shot('audit');
  await page.selectOption('#filter-outcome', 'failed');
  // The dashboard's updates are audited as started (their outcome is the transaction's); the
  // schedules the server refused in the first session are failed rows.
  await page.fill('#filter-action', 'createSchedule');
  await page.click('.filters button[type="submit"]');
  // Until the filtered list replaced the full one (which holds ok rows too).
  await page.waitForFunction(() => {
    const shown = [...document.querySelectorAll('tr.audit-row')];
    return shown.length > 0 && shown.every((row) => row.textContent.includes('failed'));
  });
  const failed = await page.locator('tr.audit-row').allTextContents();
  check('the audit filters show only the failed schedule creations',
    failed.length >= 1 && failed.every((row) => row.includes('createSchedule') && row.includes('failed')), failed.join('\n'));
  await atPhoneWidth(page, check, shot, 'audit');

  // Containers: the unreachable engine is an error in both panels, not an empty list.
  await page.click('a[data-route="containers"]');
  await page.waitForSelector('section[aria-label="Managed containers"] .panel-error');
  await page.waitForSelector('section[aria-label="Docker engine"] .panel-error');
  const containers = await page.textContent('main');
  check('the containers screen shows the unreachable engine as an error',
    /nonexistent|docker/i.test(containers) && !containers.includes('No managed containers'), containers);
  await shot('containers');
  await page.click('#sign-out');
  await page.waitForSelector('#token');
}

// Against a real Docker engine: the containers screen shows the container's update, the
// browser applies it after the dry-run plan and watches it live to success; the Update screen
// updates a second container, then runs a full update (code, then a third container), each
// watched live to success; prune previews what it deletes, then deletes it; then every
// screen, checked for obvious breakage and saved.
async function dockerScenario({ page, input, check, shot, signIn, failedMutations }) {
  await openDashboard(page, () => page.goto(`${input.baseUrl}/`), '#token');
  await signIn(input.adminToken);
  await page.click('a[data-route="containers"]');
  const row = `tr[data-container="${input.container}"]`;
  await page.waitForSelector(`${row} button[data-action="update"]`);
  check("the containers screen shows the container's update", (await page.textContent(row)).includes('update'),
    await page.textContent(row));
  await page.waitForSelector('#docker-info');
  check('the containers screen shows the engine', /Docker \d/.test(await page.textContent('#docker-info')));
  check('update all counts the containers with updates',
    (await page.textContent('button[data-action="update-all"]')).includes(`(${input.withUpdates})`),
    await page.textContent('button[data-action="update-all"]'));
  await shot('docker-containers-update-available');

  // One container from the Containers screen: the plan, then its live view to success.
  await page.click(`${row} button[data-action="update"]`);
  await page.waitForSelector('dialog[open] .plan-list');
  const plan = await page.textContent('dialog[open]');
  check('the update confirmation shows the dry-run plan', plan.includes(input.container) && plan.includes(input.image), plan);
  await shot('docker-update-confirm');
  await page.click('dialog[open] .button.danger');
  await page.waitForSelector('.live-banner .final');
  const updated = await page.textContent('.live-banner .final');
  check('the update succeeds in the browser', /good/.test(await page.getAttribute('.live-banner .final', 'class')) &&
    updated.includes('Update succeeded') && updated.includes(input.container), updated);
  await page.waitForFunction((selector) => {
    const shown = document.querySelector(selector);
    return shown && shown.textContent.includes('current') && !shown.querySelector('button[data-action="update"]');
  }, row);
  check('the container is current after the update', true);
  await shot('docker-containers-updated');

  // The prune right after that update (rollback tags are the whole engine's: a prune elsewhere
  // on the shared engine could take the old one later), by keyboard: Tab to its button, Space
  // opens the preview with the focus inside it, Tab reaches Prune, Enter confirms.
  check('the prune button is reached with Tab', await tabTo(page, 'button[data-action="prune"]'));
  await page.keyboard.press('Space');
  await page.waitForSelector('dialog[open] .prune-tags');
  check('the prune preview takes the focus', await page.evaluate(() => Boolean(document.activeElement?.closest('dialog[open]'))));
  const preview = await page.textContent('dialog[open]');
  const tags = await page.locator('dialog[open] .prune-tags li').allTextContents();
  const mine = tags.filter((tag) => tag.includes(`galaos-rollback/${input.container}:`));
  check("the prune preview lists the container's old rollback image with the space it frees",
    mine.length === 1 && mine[0].includes(input.oldRollbackTag) && /freed/.test(mine[0]), tags.join('\n'));
  check('the prune preview states the total', /\d+ image\(s\), \d/.test(await page.textContent('dialog[open] .prune-total')), preview);
  await shot('docker-prune-confirm');
  check('Tab reaches the Prune button in the preview', await tabTo(page, 'dialog[open] .button.danger', { limit: 3 }));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Deleted/.test(document.querySelector('.status-line .notice')?.textContent ?? ''));
  const pruned = await page.textContent('.status-line .notice');
  check('the prune deletes the rollback images', /Deleted [1-9]\d* rollback image/.test(pruned), pruned);

  // A compose file outside the app's root: the plan is refused with the server's error, and
  // nothing runs.
  await page.click('a[data-route="update"]');
  await page.check('#kind-docker');
  await page.fill('#option-composeFile', '../outside/docker-compose.yml');
  await page.click('button[data-action="review-update"]');
  await page.waitForSelector('.status-line .notice.bad');
  const refused = await page.textContent('.status-line .notice.bad');
  check('a compose file outside the app root is refused before anything runs',
    refused.startsWith('Cannot plan the update') && /outside|escape|inside/i.test(refused) &&
    (await page.locator('dialog[open]').count()) === 0 && (await page.locator('.live').count()) === 0, refused);
  await page.fill('#option-composeFile', '');

  // A container from the Update screen (zero downtime asked: it is on the default network, so
  // it is recreated in place and its output says why).
  const docker = await applyUpdate(page, check, shot, 'docker-update-screen',
    { kind: 'docker', containers: [input.service], zeroDowntime: true });
  check('the Update screen plans exactly the chosen container',
    docker.plan.containers.length === 1 && docker.plan.containers[0].includes(input.service) &&
    docker.plan.containers[0].includes(input.serviceImage), docker.plan.containers.join('\n'));
  check('the plan says what zero downtime does', /zero downtime/i.test(docker.plan.text), docker.plan.text);
  check('the plan predicts the container is recreated in place, and why',
    docker.plan.strategies.join() === 'recreate' && /in place \(.*network/.test(docker.plan.containers[0]), docker.plan.containers.join('\n'));
  check('the docker update ends with the success banner',
    /good/.test(docker.bannerClass) && docker.banner.includes(input.service), docker.banner);
  const dockerSteps = ['preflight', 'pull', 'tag', `recreate ${input.service}`, 'commit'];
  check('the docker update streams every step to success',
    dockerSteps.every((step) => docker.steps.includes(`${step}:succeeded`)) && docker.steps.length === dockerSteps.length,
    docker.steps.join(', '));
  check("the docker update streams the steps' output", docker.log.includes(`[recreate ${input.service}]`), docker.log);
  check('the output says why zero downtime was not possible', docker.log.includes('recreating it in place'), docker.log);
  check('the live view marks the recreate as done in place',
    docker.strategies[`recreate ${input.service}`] === 'in place|in place' && docker.banner.includes(`${input.service}: in place`),
    `${JSON.stringify(docker.strategies)} ${docker.banner}`);
  await atPhoneWidth(page, check, shot, 'docker-update');

  // A docker-compose stack from its file inside the app root: the plan names each service's
  // container with the newer image the file names, then the update streams to success.
  const stack = await applyUpdate(page, check, shot, 'compose-update', { kind: 'docker', composeFile: input.composeFile });
  check('the compose plan lists every service of the stack with the image of the file',
    stack.plan.containers.length === input.stackContainers.length && input.stackContainers.every((name) =>
      stack.plan.containers.some((item) => item.startsWith(name) && item.includes(':2'))), stack.plan.containers.join('\n'));
  check('the compose confirmation names the file', stack.plan.text.includes(input.composeFile), stack.plan.text);
  check('the compose update ends with the success banner naming each service',
    /good/.test(stack.bannerClass) && input.stackContainers.every((name) => stack.banner.includes(name)), stack.banner);
  check('the compose update recreates each service live',
    input.stackContainers.every((name) => stack.steps.includes(`recreate ${name}:succeeded`)) &&
    stack.steps.every((step) => step.endsWith(':succeeded')), stack.steps.join(', '));
  check("the compose update streams the pull of the file's images", stack.log.includes(':2'), stack.log);

  // A zero-downtime rollout: the container is reached only through a user-defined network, so
  // its new container starts beside it and takes over.
  const rollout = await applyUpdate(page, check, shot, 'zero-downtime-update',
    { kind: 'docker', containers: [input.besideContainer], zeroDowntime: true });
  check('the plan predicts the zero-downtime rollout', rollout.plan.strategies.join() === 'zero-downtime' &&
    rollout.plan.containers[0].includes('zero downtime'), rollout.plan.containers.join('\n'));
  check('the zero-downtime rollout ends with the success banner naming the strategy',
    /good/.test(rollout.bannerClass) && rollout.banner.includes(`${input.besideContainer}: zero downtime`), rollout.banner);
  check('the live view marks the recreate as zero downtime, not in place',
    rollout.strategies[`recreate ${input.besideContainer}`] === 'zero downtime|zero downtime', JSON.stringify(rollout.strategies));
  check('the rollout streams the states of the container beside the old one',
    ['beside_created', 'beside_healthy', 'old_retired', 'new_healthy'].every((state) => rollout.log.includes(state)) &&
    !rollout.log.includes('recreating it in place'), rollout.log);
  check('the zero-downtime rollout streams every step to success',
    rollout.steps.includes(`recreate ${input.besideContainer}:succeeded`) && rollout.steps.every((step) => step.endsWith(':succeeded')),
    rollout.steps.join(', '));
  await atPhoneWidth(page, check, shot, 'zero-downtime-update');

  // A full update choosing only a container already on its newest image: the confirmation is
  // the code update's alone, and says the container is left as it is (Escape cancels it).
  await page.check('#kind-full');
  await page.check(`#option-container-${input.container}`);
  await page.click('button[data-action="review-update"]');
  await page.waitForSelector('dialog[open] .plan-steps');
  const codeOnly = await page.textContent('dialog[open]');
  check('a full update whose chosen container is current confirms the code update only',
    codeOnly.includes('Apply this code update?') && codeOnly.includes('left as they are') &&
    (await page.locator('dialog[open] .plan-list').count()) === 0, codeOnly);
  await shot('full-update-code-only-confirm');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await page.uncheck(`#option-container-${input.container}`);

  // A full update: the code's plan and the container's in one confirmation, then its two
  // transactions live, code first.
  const full = await applyUpdate(page, check, shot, 'full-update', { kind: 'full', containers: [input.fullContainer] });
  check('the full plan names the code target', full.plan.target === input.toVersion, full.plan.target);
  check('the full plan names the chosen container', full.plan.containers.length === 1 &&
    full.plan.containers[0].includes(input.fullContainer), full.plan.containers.join('\n'));
  check('the full update ends with the success banner', /good/.test(full.bannerClass) &&
    full.banner.includes(`${input.fromVersion} → ${input.toVersion}`) && full.banner.includes(input.fullContainer), full.banner);
  check('the full update shows its two transactions, code then containers',
    full.phases.length === 2 && full.phases[0].title.startsWith('Code') && full.phases[1].title.startsWith('Containers') &&
    full.phases[1].title.includes(input.fullContainer), JSON.stringify(full.phases));
  check('every step of both transactions succeeded or was skipped',
    full.phases.every((phase) => phase.steps.length >= 3 && phase.steps.every((step) => /:(succeeded|skipped)$/.test(step))),
    JSON.stringify(full.phases));
  check('the full update recreated the container live',
    full.phases[1]?.steps.includes(`recreate ${input.fullContainer}:succeeded`), JSON.stringify(full.phases));
  // A container unhealthy on its newer image: the recreate fails, the container is rolled back.
  // /events is refused meanwhile: the page follows the update through the history instead.
  await page.route('**/events', (route) => route.fulfill({ status: 503, body: 'unavailable' }));
  const failing = await applyUpdate(page, check, shot, 'docker-update-rollback',
    { kind: 'docker', containers: [input.failingContainer], live: false });
  await page.unroute('**/events');
  check('without /events the page says so and still shows the outcome',
    failing.log.includes('the live stream is unavailable'), failing.log);
  check('a failing docker update ends with the rollback banner', /warn/.test(failing.bannerClass) &&
    failing.banner.includes('rolled back') && failing.banner.includes(`recreate ${input.failingContainer}`) &&
    failing.banner.includes('previous images'), failing.banner);
  check('the failing recreate is marked failed', failing.steps.includes(`recreate ${input.failingContainer}:failed`),
    failing.steps.join(', '));

  // The engine adds and removes network interfaces while it recreates containers, and the
  // browser then aborts requests in flight: each update's mutation answered before that.
  check('no mutation failed on the network', failedMutations.length === 0, failedMutations.join('\n'));

  await nothingToApply(page, check, shot, input);

  // Every screen with a reachable engine: loaded, no error, nothing raw, no sideways scroll.
  for (const screen of ['overview', 'update', 'history', 'backups', 'containers', 'schedules', 'audit']) {
    await page.click(`a[data-route="${screen}"]`);
    await page.waitForFunction(() => document.querySelector('main h1') && !document.querySelector('main .loading'));
    await looksRight(page, check, `the ${screen} screen`);
    await shot(`docker-${screen}`);
  }
  await page.click('#sign-out');
  await page.waitForSelector('#token');
}

// The Update screen when there is nothing to apply: the code is on the newest release and the
// chosen container (updated before) runs its newest image. Each review says so, and no
// confirmation opens.
async function nothingToApply(page, check, shot, input) {
  await page.click('a[data-route="update"]');
  await page.waitForSelector('button[data-action="review-update"]:not([disabled])');
  await page.waitForSelector('.summary.good');
  const available = await page.textContent('.summary.good');
  check('the Update screen says the code is up to date', available.includes(`Up to date (${input.toVersion})`), available);
  const review = async (kind, containers) => {
    await page.evaluate(() => document.querySelector('.status-line').replaceChildren());
    await page.check(`#kind-${kind}`);
    if (kind !== 'code') {  // the containers are shown for the other kinds only
      await page.waitForSelector('.container-choices input');
      for (const choice of await page.locator('.container-choices input').all()) await choice.setChecked(false);
      for (const container of containers) await page.check(`#option-container-${container}`);
    }
    await page.click('button[data-action="review-update"]');
    await page.waitForSelector('.status-line .notice');
    await looksRight(page, check, `the ${kind} review with nothing to apply`);
    return { text: await page.textContent('.status-line .notice'), dialogs: await page.locator('dialog[open]').count() };
  };
  const code = await review('code', []);
  check('a code review with no newer release says there is nothing to apply',
    code.text.includes('Already up to date') && code.text.includes('no newer release') && code.dialogs === 0, code.text);
  await shot('update-nothing-code');
  const containers = await review('docker', [input.container]);
  check('a container review with no newer image says there is nothing to apply',
    containers.text.startsWith('Nothing to update') && containers.text.includes('newest image') && containers.dialogs === 0,
    containers.text);
  await shot('update-nothing-containers');
  const full = await review('full', [input.container]);
  check('a full review with nothing newer says so for the code and the containers',
    full.text.includes('no newer release') && full.text.includes('newest image') && full.dialogs === 0, full.text);
  await page.check('#kind-code');
}

// What `root` shows (`what`, for the checks' names): no panel error, nothing raw, and the page
// has no sideways scroll.
async function looksRight(page, check, what, root = 'main') {
  const text = (await page.locator(root).allInnerTexts()).join('\n');
  const errors = await page.locator(root).locator('.panel-error').allTextContents();
  check(`${what} loads without an error`, errors.length === 0, errors.join('\n'));
  check(`${what} shows no raw null or undefined`, !/\b(null|undefined|NaN)\b/.test(text), text);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`${what} has no horizontal scrolling`, overflow <= 0, `overflow ${overflow}px`);
}

// Presses Tab (Shift+Tab with `back`) until the focused element matches `selector`, at most
// `limit` times: whether it was reached.
async function tabTo(page, selector, { back = false, limit = 80 } = {}) {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return true;
  }
  return false;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
