import type { Cell } from './summary.js';
import { formatValue } from './summary.js';
import type { SystemId } from './systems.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const WIDTH = 860;
const LABEL = 190;
const VALUE = 90;
const BAR_HEIGHT = 14;
const GAP = 4;
const PANEL_TOP = 26;
const PANEL_BOTTOM = 14;

const COLOURS: Readonly<Record<SystemId, string>> = {
  hub: '#d9480f',
  'hub-lib': '#f08c00',
  'hub-cluster': '#e8590c',
  'net-naive': '#868e96',
  'net-coalescing': '#495057',
  redis: '#c92a2a',
  nats: '#2b8a3e',
  ws: '#1971c2',
  socketio: '#6741d9',
};

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Renders the medians as one SVG, a panel per workload with a bar per system and a line
 * for the min-max range; no dependencies, plain SVG 1.1 that GitHub displays.
 */
export function renderChart(cells: readonly Cell[], systems: readonly SystemId[], labels: Readonly<Record<string, string>>, title: string): string {
  const parts: string[] = [];
  let y = 34;
  for (const workload of WORKLOADS) {
    const rows = systems.flatMap((system) => {
      const cell = cells.find((candidate) => candidate.workload === workload.id && candidate.system === system);
      return cell === undefined ? [] : [cell];
    });
    if (rows.length === 0) continue;
    parts.push(panel(workload.id, rows, labels, y));
    y += PANEL_TOP + rows.length * (BAR_HEIGHT + GAP) + PANEL_BOTTOM;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function panel(id: WorkloadId, rows: readonly Cell[], labels: Readonly<Record<string, string>>, top: number): string {
  const workload = WORKLOADS.find((candidate) => candidate.id === id);
  if (workload === undefined) return '';
  const scaleMax = Math.max(...rows.map((row) => (Number.isFinite(row.max) ? row.max : 0)), 1e-9);
  const span = WIDTH - LABEL - VALUE - 20;
  const x = (value: number): number => LABEL + (Math.max(0, value) / scaleMax) * span;
  const lines = [
    `<text x="10" y="${top + 16}" font-weight="bold">${escape(workload.title)} — ${workload.better === 'higher' ? 'higher' : 'lower'} is better (${workload.unit})</text>`,
  ];
  rows.forEach((row, index) => {
    const y = top + PANEL_TOP + index * (BAR_HEIGHT + GAP);
    const colour = COLOURS[row.system];
    lines.push(`<text x="${LABEL - 8}" y="${y + BAR_HEIGHT - 3}" text-anchor="end">${escape(labels[row.system] ?? row.system)}</text>`);
    if (row.ok === 0) {
      lines.push(`<text x="${LABEL + 4}" y="${y + BAR_HEIGHT - 3}" fill="#c92a2a">failed</text>`);
      return;
    }
    lines.push(`<rect x="${LABEL}" y="${y}" width="${(x(row.median) - LABEL).toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}"/>`);
    const whiskerY = y + BAR_HEIGHT / 2;
    lines.push(`<line x1="${x(row.min).toFixed(1)}" y1="${whiskerY}" x2="${x(row.max).toFixed(1)}" y2="${whiskerY}" stroke="#000" stroke-width="1"/>`);
    lines.push(`<text x="${(x(row.max) + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 3}">${escape(formatValue(row.median, workload.unit))}</text>`);
  });
  return lines.join('\n');
}
