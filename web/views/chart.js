import { formatDuration, svg } from '../dom.js';

const OUTCOME_CLASS = {
  succeeded: 'bar-good', rolled_back: 'bar-warn', rolling_back: 'bar-warn',
  failed: 'bar-bad', rollback_failed: 'bar-bad',
};

// An SVG bar chart of transactions (oldest left): height = duration, colour = outcome.
// Each bar has a <title> with its date, outcome and duration.
export function durationChart(transactions) {
  const width = 960;
  const height = 180;
  const top = 16;
  const bottom = 20;
  const left = 8;
  const items = [...transactions].reverse();
  const longest = Math.max(1, ...items.map((tx) => tx.duration ?? 0));
  const slot = (width - left * 2) / Math.max(items.length, 1);
  const barWidth = Math.max(2, Math.min(28, slot * 0.7));
  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Durations and outcomes of the last ${items.length} updates`,
  });
  chart.append(svg('line', { class: 'axis', x1: left, x2: width - left, y1: height - bottom, y2: height - bottom }));
  chart.append(svg('text', { class: 'chart-label', x: left, y: 11 }, `longest ${formatDuration(longest)}`));
  items.forEach((tx, index) => {
    const value = tx.duration ?? 0;
    const barHeight = Math.max(2, ((height - top - bottom) * value) / longest);
    const x = left + index * slot + (slot - barWidth) / 2;
    chart.append(svg('rect', {
      class: ['bar', OUTCOME_CLASS[tx.status] ?? 'bar-neutral'],
      x: x.toFixed(1), y: (height - bottom - barHeight).toFixed(1),
      width: barWidth.toFixed(1), height: barHeight.toFixed(1), rx: 2,
    }, svg('title', {}, `${new Date(tx.startedAt).toLocaleString()} · ${tx.status} · ${formatDuration(tx.duration)}`)));
  });
  return chart;
}
