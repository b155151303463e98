import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import { startupMachine } from '../../machines/startup.js';
import { stopMachine } from '../../machines/stop.js';
import { machineEdges, toDot, toJson, toMermaid } from '../../src/inspect/graph.js';
import { renderRunSvg } from '../../src/inspect/svg.js';
import type { RunView } from '../../src/inspect/timeline.js';

type Mermaid = { parse(text: string): Promise<unknown> };
let mermaid: Mermaid;

beforeAll(async () => {
  // Mermaid's parser wants a DOM (for its sanitiser) even when it only parses.
  const { window } = new JSDOM('');
  Object.assign(globalThis, { window, document: window.document });
  mermaid = (await import('mermaid')).default as unknown as Mermaid;
});

describe('graph output', () => {
  it.each([
    ['startup', startupMachine],
    ['stop', stopMachine],
  ])('the %s machine as mermaid passes the real Mermaid parser', async (_name, machine) => {
    await expect(mermaid.parse(toMermaid(machine))).resolves.toMatchObject({ diagramType: 'stateDiagram' });
  });

  it('the parser does reject a broken diagram (the test above can fail)', async () => {
    await expect(mermaid.parse(`${toMermaid(startupMachine)}  preflight --> : -->\n`)).rejects.toThrow();
  });

  it('draws every transition once in mermaid and dot', () => {
    const edges = machineEdges(startupMachine);
    const mermaidText = toMermaid(startupMachine);
    const dotText = toDot(startupMachine);
    for (const edge of edges) {
      expect(mermaidText).toContain(`${edge.from} --> ${edge.to}: ${edge.label}`);
      expect(dotText).toContain(`"${edge.from}" -> "${edge.to}" [label="${edge.label}"]`);
    }
  });

  it('draws CANCEL from every state of the stop machine that runs a step (a recorded CANCEL as a loop)', () => {
    const cancels = machineEdges(stopMachine).filter((e) => e.label === 'CANCEL');
    expect(cancels.map((e) => `${e.from}->${e.to}`).sort()).toEqual(
      ['gracefulStop->killProcesses', 'inspectSession->inspectSession', 'killProcesses->killProcesses', 'killSession->killSession', 'verifyGone->verifyGone'].sort(),
    );
    expect(toMermaid(stopMachine)).toContain('killSession --> killSession: CANCEL');
  });

  it('gives the machine config as JSON with states and invokes', () => {
    const config = JSON.parse(toJson(startupMachine));
    expect(config.id).toBe('startup');
    expect(config.states.acceptBypass.invoke.src).toBe('acceptBypass');
  });
});

describe('run diagrams (SVG)', () => {
  const failedRun: RunView = {
    runId: 'r1',
    kind: 'start',
    polecat: 'gastown/Toast',
    state: 'finished',
    result: 'failed',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1500,
    path: [
      { state: 'preflight', ms: 5, outcome: 'ok' },
      { state: 'ensureSettings', ms: 1, outcome: 'ok' },
      { state: 'createSession', ms: 30, outcome: 'ok' },
      { state: 'setEnv', ms: 9, outcome: 'ok' },
      { state: 'theme', ms: 9, outcome: 'ok' },
      { state: 'waitForCommand', ms: 300, outcome: 'ok' },
      { state: 'acceptBypass', ms: 1100, outcome: 'failed' },
      { state: 'rollingBack', ms: 40, outcome: 'ok' },
      { state: 'failed' },
    ],
    warnings: [],
    failure: { step: 'acceptBypass', message: 'unknown screen' },
    resumed: 0,
  };

  it('highlights the states entered with their times, the transitions taken, and the failed step', () => {
    const svg = renderRunSvg(startupMachine, failedRun);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const node of Object.keys(startupMachine.root.states)) expect(svg).toContain(`data-state="${node}"`);
    for (const state of ['preflight', 'acceptBypass', 'rollingBack', 'failed']) expect(svg).toMatch(new RegExp(`class="state visited[^"]*" data-state="${state}"`));
    expect(svg).toContain('class="state visited failed" data-state="acceptBypass"');
    expect(svg).toMatch(/class="state" data-state="nudges"/);
    expect(svg).toContain('>1.1 s</text>');
    expect(svg).toContain('class="edge taken" data-from="acceptBypass" data-to="rollingBack"');
    // Without an issue, validateIssue and hook are never entered: the path goes past them.
    expect(svg).toContain('class="edge taken" data-from="preflight" data-to="ensureSettings"');
    expect(svg).toContain('class="edge taken" data-from="setEnv" data-to="theme"');
    expect(svg).toMatch(/class="state" data-state="validateIssue"/);
    expect(svg).toMatch(/class="state" data-state="hook"/);
    expect(svg).toContain('class="edge" data-from="preflight" data-to="validateIssue"');
    // The choice between failed and cancelled is made in an instant, in rolledBack: still on the drawn path.
    expect(svg).toContain('class="edge taken" data-from="rollingBack" data-to="rolledBack"');
    expect(svg).toContain('class="state passed" data-state="rolledBack"');
    expect(svg).toContain('class="edge taken" data-from="rolledBack" data-to="failed"');
    expect(svg).not.toContain('class="edge taken" data-from="rolledBack" data-to="cancelled"');
    expect(svg).not.toContain('class="edge taken" data-from="acceptBypass" data-to="waitForReady"');
    // Well formed: a real XML parser reads it.
    const doc = new JSDOM(svg, { contentType: 'image/svg+xml' }).window.document;
    expect(doc.querySelectorAll('g.state').length).toBe(Object.keys(startupMachine.root.states).length);
  });

  it('escapes what it writes', () => {
    const svg = renderRunSvg(startupMachine, { ...failedRun, polecat: 'a/<b>&"c"' });
    expect(svg).toContain('a/&lt;b&gt;&amp;&quot;c&quot;');
  });
});
