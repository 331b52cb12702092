// Prints run.sh's results in OUT as Markdown: the medians of the update contestants, their
// ratio and the ratios within pairs, the rollback's time, and the median time of each step.
// Usage: node summarize.js OUT
const fs = require("fs");
const path = require("path");

const out = process.argv[2];
const files = fs.readdirSync(out).sort();
const read = (name) => JSON.parse(fs.readFileSync(path.join(out, name), "utf8"));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const s3 = (x) => x.toFixed(3);
const stats = (name, times) =>
  `| ${name} | ${times.length} | ${s3(median(times))} | ${s3(mean(times))} ± ${s3(sd(times))} | ` +
  `${s3(Math.min(...times))} | ${s3(Math.max(...times))} |`;
const statsHeader = "| | runs | median (s) | mean ± sd (s) | min (s) | max (s) |\n|---|---|---|---|---|---|";

// Every run of each update contestant, and the ratio of each pair (one run of each, back to
// back).
// CPU time (user + system of the contestant and its children) varies less with the load.
const times = {};
const cpu = {};
const pairRatios = [];
for (const file of files.filter((f) => /^update-pair\d+\.json$/.test(f))) {
  const pair = {};
  for (const result of read(file).results) {
    (times[result.command] ??= []).push(...result.times);
    (cpu[result.command] ??= []).push(result.user + result.system);
    pair[result.command] = result.times[0];
  }
  pairRatios.push(pair["galaos-updater"] / pair.baseline);
}
const ratio = median(times["galaos-updater"]) / median(times.baseline);
const cpuLine =
  `CPU time (user + system), median: baseline ${s3(median(cpu.baseline))} s, ` +
  `galaos-updater ${s3(median(cpu["galaos-updater"]))} s, ` +
  `ratio ${(median(cpu["galaos-updater"]) / median(cpu.baseline)).toFixed(3)}`;
const rollback = read("rollback.json").results[0];

// Step name -> durations (ms) over the runs of one kind of history file, plus the sum of the
// rollback steps, the time outside any step and the whole process.
function stepTimes(kind) {
  const steps = {};
  for (const file of files.filter((f) => f.startsWith(`${kind}-history`))) {
    const entry = read(file);
    let inSteps = 0;
    let rollingBack = 0;
    for (const step of entry.steps) {
      (steps[step.name] ??= []).push(step.duration);
      inSteps += step.duration;
      if (step.name.startsWith("rollback-")) rollingBack += step.duration;
    }
    if (rollingBack) (steps["(rollback steps)"] ??= []).push(rollingBack);
    (steps["(outside steps)"] ??= []).push(entry.processMs - inSteps);
    (steps["(whole process)"] ??= []).push(entry.processMs);
  }
  return steps;
}
const baselineSteps = {};
for (const line of fs.readFileSync(path.join(out, "baseline-steps.txt"), "utf8").trim().split("\n")) {
  const [name, ms] = line.split(" ");
  (baselineSteps[name] ??= []).push(Number(ms));
}
baselineSteps["(whole script)"] = [];
const perRun = Object.values(baselineSteps)[0].length;
for (let i = 0; i < perRun; i++) {
  let total = 0;
  for (const [name, xs] of Object.entries(baselineSteps)) if (!name.startsWith("(")) total += xs[i];
  baselineSteps["(whole script)"].push(total);
}

const update = stepTimes("update");
const names = [...new Set([...Object.keys(update), ...Object.keys(baselineSteps)])];
const ms = (xs) => (xs ? String(Math.round(median(xs))) : "—");
const stepRows = names.map((n) => `| ${n} | ${ms(update[n])} | ${ms(baselineSteps[n])} |`);
const rollbackSteps = stepTimes("rollback");
const rollbackRows = Object.entries(rollbackSteps).map(([n, xs]) => `| ${n} | ${ms(xs)} |`);

console.log(`## Code update v1.0.0 -> v1.1.0

${statsHeader}
${stats("baseline (shell script)", times.baseline)}
${stats("galaos-updater apply code", times["galaos-updater"])}

**Ratio of medians: ${ratio.toFixed(3)}** (target: at most 1.10)

Ratio within each pair: median ${median(pairRatios).toFixed(3)}; sorted:
${[...pairRatios].sort((a, b) => a - b).map((r) => r.toFixed(2)).join(", ")}

${cpuLine}

## Failed update v1.1.0 -> v1.2.0, rolled back to v1.1.0

${statsHeader}
${stats("galaos-updater apply code (rolled back)", rollback.times)}

## Median time of each step (ms)

Separate runs (not the timed ones): the updater's steps from its store, the baseline's from
bash's clock.

| step | galaos-updater | baseline |
|---|---|---|
${stepRows.join("\n")}

Failed update with rollback:

| step | galaos-updater |
|---|---|
${rollbackRows.join("\n")}`);
