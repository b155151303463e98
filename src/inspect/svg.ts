import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { formatDuration } from './format.js';
import { machineEdges } from './graph.js';
import type { RunView } from './timeline.js';

const BOX_WIDTH = 230;
const BOX_HEIGHT = 34;
const ROW = 52;
const MAIN_X = 30;
const SIDE_X = 360;
const TOP = 80;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

interface Box {
  readonly x: number;
  readonly y: number;
}

/**
 * The machine drawn offline as SVG, with the path a run took highlighted: states it entered are filled and labelled
 * with their time, the transitions it took are drawn bold, the failed step is marked. The states of the main path
 * stand in one column in their order; the ends reached on failure or cancel stand beside it.
 */
export function renderRunSvg(machine: AnyStateMachine, view: RunView): string {
  const nodes = Object.values(machine.root.states) as AnyStateNode[];
  const side = new Set(['rollingBack', 'rolledBack', 'failed', 'cancelled']);
  const main = nodes.filter((n) => !side.has(n.key));
  const boxes = new Map<string, Box>();
  main.forEach((node, index) => boxes.set(node.key, { x: MAIN_X, y: TOP + index * ROW }));
  const sideNodes = nodes.filter((n) => side.has(n.key));
  // Beside the middle of the main path: the rollback's states one below the other, its ends side by side below them.
  const sideTop = TOP + Math.floor(main.length / 2) * ROW - ROW;
  const between = sideNodes.filter((n) => n.type !== 'final');
  const ends = sideNodes.filter((n) => n.type === 'final');
  between.forEach((node, index) => boxes.set(node.key, { x: SIDE_X, y: sideTop + index * ROW }));
  ends.forEach((node, index) => boxes.set(node.key, { x: SIDE_X + index * (BOX_WIDTH + 30), y: sideTop + (between.length + 1) * ROW }));

  const visited = new Map(view.path.map((step) => [step.state, step]));
  const allEdges = new Set(machineEdges(machine).map((e) => `${e.from}->${e.to}`));
  // A state left by an eventless transition in the same instant (the startup machine's rolledBack, the stop
  // machine's choosingHowToStop) is not in the journal: the path went through it, so its two edges are drawn taken
  // and the state as passed through.
  const taken = new Set<string>();
  const passedThrough = new Set<string>();
  view.path.slice(1).forEach((step, i) => {
    const from = view.path[i]!.state;
    if (allEdges.has(`${from}->${step.state}`)) return void taken.add(`${from}->${step.state}`);
    const via = nodes.find((n) => allEdges.has(`${from}->${n.key}`) && allEdges.has(`${n.key}->${step.state}`));
    if (via) {
      taken.add(`${from}->${via.key}`).add(`${via.key}->${step.state}`);
      passedThrough.add(via.key);
    }
  });
  const failedStep = view.failure?.step;
  const height = TOP + main.length * ROW + 20;
  const width = SIDE_X + (BOX_WIDTH + 30) * Math.max(1, ends.length) + 10;

  const edges = [...new Map(machineEdges(machine).map((e) => [`${e.from}->${e.to}`, e])).values()]
    .filter((e) => e.from !== e.to && boxes.has(e.from) && boxes.has(e.to))
    .map((edge) => {
      const from = boxes.get(edge.from)!;
      const to = boxes.get(edge.to)!;
      const bold = taken.has(`${edge.from}->${edge.to}`);
      const sameColumn = from.x === to.x && to.y > from.y;
      const [x1, y1, x2, y2] = sameColumn
        ? [from.x + BOX_WIDTH / 2, from.y + BOX_HEIGHT, to.x + BOX_WIDTH / 2, to.y]
        : [from.x + BOX_WIDTH, from.y + BOX_HEIGHT / 2, to.x, to.y + BOX_HEIGHT / 2];
      return `<line class="edge${bold ? ' taken' : ''}" data-from="${edge.from}" data-to="${edge.to}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#arrow${bold ? '-taken' : ''})"/>`;
    });

  const states = nodes.map((node) => {
    const box = boxes.get(node.key)!;
    const step = visited.get(node.key);
    const classes = ['state', step ? 'visited' : '', passedThrough.has(node.key) ? 'passed' : '', node.key === failedStep ? 'failed' : '', node.type === 'final' ? 'final' : '']
      .filter(Boolean)
      .join(' ');
    const time = step?.ms !== undefined ? formatDuration(step.ms) : '';
    return [
      `<g class="${classes}" data-state="${node.key}">`,
      `<rect x="${box.x}" y="${box.y}" width="${BOX_WIDTH}" height="${BOX_HEIGHT}" rx="8"/>`,
      `<text x="${box.x + 12}" y="${box.y + 22}">${escapeXml(node.key)}${node.key === failedStep ? ' ✗' : ''}</text>`,
      time ? `<text class="time" x="${box.x + BOX_WIDTH - 12}" y="${box.y + 22}" text-anchor="end">${escapeXml(time)}</text>` : '',
      '</g>',
    ].join('');
  });

  const title = `run ${view.runId}`;
  const subtitle = `${view.kind} of ${view.polecat}: ${view.result ?? view.state} in ${formatDuration(view.durationMs)}${failedStep ? ` (at ${failedStep})` : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    '<defs>',
    '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#bbb"/></marker>',
    '<marker id="arrow-taken" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#2b6cb0"/></marker>',
    '<style>',
    '.state rect{fill:#fff;stroke:#bbb;stroke-width:1.5}.state text{fill:#888}',
    '.state.visited rect{fill:#e6f4ea;stroke:#2f855a}.state.visited text{fill:#1a202c}',
    '.state.failed rect{fill:#fde8e8;stroke:#c53030;stroke-width:2.5}.state.final rect{stroke-width:3}',
    '.state.passed rect{stroke:#2f855a;stroke-dasharray:4 3}',
    '.time{font-size:12px}.edge{stroke:#ddd;stroke-width:1}.edge.taken{stroke:#2b6cb0;stroke-width:2.5}',
    '</style>',
    '</defs>',
    `<text x="${MAIN_X}" y="28" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${MAIN_X}" y="50" font-size="14">${escapeXml(subtitle)}</text>`,
    ...edges,
    ...states,
    '</svg>',
    '',
  ].join('\n');
}
