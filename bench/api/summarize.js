// Reads bench/api/run.sh's OUT (runs.jsonl, rss.json) and prints the Markdown summary: per
// round and median requests/s and p99 latency of each server, their ratios, and idle RSS.
// Usage: node summarize.js OUT
'use strict';
const fs = require('fs');
const path = require('path');

const out = process.argv[2];
const runs = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n')
  .map((line) => JSON.parse(line)).filter((run) => run.round !== 'warmup');
const rss = JSON.parse(fs.readFileSync(path.join(out, 'rss.json'), 'utf8'));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const rps = (run) => run.wrk.requests / (run.wrk.duration_us / 1e6);
const p99 = (run) => run.wrk.p99_us / 1000;
const of = (server) => runs.filter((run) => run.server === server);
const fixed = (value, digits) => value.toFixed(digits);

const lines = ['| round | ours req/s | Node req/s | ratio | ours p99 (ms) | Node p99 (ms) |',
  '|---|---|---|---|---|---|'];
const rounds = [...new Set(runs.map((run) => run.round))];
for (const round of rounds) {
  const ours = runs.find((run) => run.server === 'ours' && run.round === round);
  const peer = runs.find((run) => run.server === 'peer' && run.round === round);
  lines.push(`| ${round} | ${fixed(rps(ours), 0)} | ${fixed(rps(peer), 0)} | ` +
    `${fixed(rps(ours) / rps(peer), 2)} | ${fixed(p99(ours), 2)} | ${fixed(p99(peer), 2)} |`);
}
const oursRps = median(of('ours').map(rps));
const peerRps = median(of('peer').map(rps));
const oursP99 = median(of('ours').map(p99));
const peerP99 = median(of('peer').map(p99));
const errors = runs.filter((run) => run.wrk.socket_errors > 0 || run.wrk.non_2xx > 0)
  .map((run) => `${run.server} round ${run.round}: ${run.wrk.socket_errors} socket errors, ` +
    `${run.wrk.non_2xx} non-2xx`);
lines.push(`| **median** | **${fixed(oursRps, 0)}** | **${fixed(peerRps, 0)}** | ` +
  `**${fixed(oursRps / peerRps, 2)}** | **${fixed(oursP99, 2)}** | **${fixed(peerP99, 2)}** |`);
lines.push('');
lines.push(`Idle RSS: ours ${fixed(rss.ours_kb / 1024, 1)} MiB, Node ${fixed(rss.peer_kb / 1024, 1)} ` +
  `MiB (ratio ${fixed(rss.ours_kb / rss.peer_kb, 3)}).`);
lines.push('');
lines.push('Targets: req/s ratio ≥ 3 ' + (oursRps / peerRps >= 3 ? 'met' : 'MISSED') +
  '; p99 lower ' + (oursP99 < peerP99 ? 'met' : 'MISSED') +
  '; RSS ≤ 1/4 of Node\'s and < 20 MiB ' +
  (rss.ours_kb * 4 <= rss.peer_kb && rss.ours_kb < 20 * 1024 ? 'met' : 'MISSED') + '.');
if (errors.length > 0) lines.push('', 'Errors: ' + errors.join('; '));
console.log(lines.join('\n'));
