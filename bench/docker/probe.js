// Asks http://127.0.0.1:PORT/ over and over (a new connection each time, 1 s timeout, 2 ms
// apart) until SIGTERM, then prints {"requests", "failed", "gapMs"} as JSON: gapMs is the
// longest time from the end of the last answered request before failures to the end of the
// first answered one after them — how long the port did not answer (0: it always did).
// Usage: node probe.js PORT
'use strict';
const http = require('http');
const { performance } = require('perf_hooks');

const port = Number(process.argv[2]);
let requests = 0;
let failed = 0;
let gapMs = 0;
let lastOk = performance.now();
let failing = false;

function finish(ok) {
  const now = performance.now();
  requests++;
  if (ok) {
    if (failing) gapMs = Math.max(gapMs, now - lastOk);
    failing = false;
    lastOk = now;
  } else {
    failed++;
    failing = true;
  }
  setTimeout(ask, 2);
}

function ask() {
  let done = false;
  const once = (ok) => {
    if (!done) {
      done = true;
      finish(ok);
    }
  };
  const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
    res.resume();
    res.on('end', () => once(res.statusCode === 200));
    res.on('error', () => once(false));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => once(false));
}

process.on('SIGTERM', () => {
  if (failing) gapMs = Math.max(gapMs, performance.now() - lastOk);
  process.stdout.write(JSON.stringify({ requests, failed, gapMs: Math.round(gapMs), stillFailing: failing }) + '\n');
  process.exit(0);
});
ask();
