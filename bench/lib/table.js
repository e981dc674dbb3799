'use strict';

/** The comparisons as a plain-text table, and the targets at the largest size. */

const SUPERSCRIPT = { 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
const size = (n) => (Number.isInteger(Math.log10(n)) ? `10${String(Math.log10(n)).replace(/\d/g, (d) => SUPERSCRIPT[d])}` : String(n));

function quantity(value, unit) {
  if (value === undefined) return '—';
  if (unit === 's') return `${value.toFixed(value < 10 ? 2 : 1)} s`;
  const [scaled, prefix] = value >= 1e6 ? [value / 1e6, 'M'] : value >= 1e3 ? [value / 1e3, 'k'] : [value, ''];
  return `${scaled.toFixed(scaled < 10 ? 2 : 1)} ${prefix}${unit}`;
}

const ratio = (value) => (value === undefined ? '' : `${value.toFixed(value < 10 ? 2 : 1)}×`);
const goal = (t) => (t.maxMb !== undefined ? `<${t.maxMb} MB` : `≥${t.min}×`);
const target = (row) => (row.target ? `${goal(row.target)} ${row.target.pass ? 'PASS' : 'MISS'}` : '');

const HEADER = ['task', 'ours', 'peer', 'bars', 'ours', 'peer', 'ratio', 'target', 'CPU ratio', 'ours MB', 'peer MB', 'agreement'];

function renderTable(rows) {
  const cells = rows.map((r) => [
    r.task,
    r.ours,
    r.peer ?? '—',
    size(r.n),
    quantity(r.oursValue, r.unit),
    quantity(r.peerValue, r.unit),
    ratio(r.ratio),
    target(r),
    ratio(r.cpuRatio),
    r.oursRssMb.toFixed(0),
    r.peerRssMb === undefined ? '' : r.peerRssMb.toFixed(0),
    r.agreement ? `${r.agreement.ok ? 'ok' : 'DIFFERS'}: ${r.agreement.detail}` : '',
  ]);
  const widths = HEADER.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(HEADER), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** One line per target row at the largest size measured (the issue states its targets at 10⁶). */
function renderTargets(rows) {
  const largest = Math.max(...rows.map((r) => r.n));
  return rows
    .filter((r) => r.target && r.n === largest)
    .map((r) => {
      const what = r.peer ? `${r.ours} vs ${r.peer}` : `${r.ours}, peak memory`;
      const got = r.target.maxMb !== undefined ? `${r.oursRssMb.toFixed(0)} MB` : `${r.ratio.toFixed(2)}×`;
      return `${r.target.pass ? 'PASS' : 'MISS'}  ${r.task}: ${what} at ${size(largest)} bars: target ${goal(r.target)}, got ${got}`;
    })
    .join('\n');
}

module.exports = { renderTable, renderTargets };
