/**
 * The screen reader against what the real agent CLIs drew. test/fixtures/screens/<agent>-<version>-<name>.txt were
 * captured from the real programs in a 200x50 tmux pane with `capture-pane -p -J`: by the real-CLI tests
 * (test/integration/<agent>.test.ts, with POLECAT_CAPTURE_SCREENS=1), except codex-0.171.0-codex-update.txt and
 * codex-0.171.0-busy.txt, taken the same way by hand (polecat's Codex never offers the update, and the stand-in
 * answers before a busy screen can be caught). <name> is what the screen must read as: a dialog or dead end by its id, `ready`, `busy`, or
 * `reply` (the agent's answer on screen, idle again: ready).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PRESETS, type AgentPreset } from '../../src/agents/presets.js';
import { DEAD_ENDS, DIALOGS, readScreen, type ScreenReading, type ScreenSpec } from '../../src/agents/screen.js';
import { readingName, SCREENS_DIR } from '../helpers/screen-recorder.js';

const FIXTURE = /^([a-z]+)-(\d+\.\d+\.\d+)-([a-z-]+)\.txt$/;
const fixtures = readdirSync(SCREENS_DIR)
  .map((file) => FIXTURE.exec(file))
  .filter((match) => match !== null)
  .map(([file, agent, version, name]) => ({ file: file!, agent: agent!, version: version!, name: name!, text: readFileSync(join(SCREENS_DIR, file!), 'utf8') }));

const specOf = (preset: AgentPreset): ScreenSpec => ({ promptPrefix: preset.readyPromptPrefix, readyMarkers: preset.readyMarkers, busyMarkers: preset.busyMarkers });
const SPECS = Object.values(BUILTIN_PRESETS).map((preset) => [preset.name, specOf(preset)] as const);
const expected = (name: string) => (name === 'reply' ? 'ready' : name);
const isDialog = (name: string) => DIALOGS.some((dialog) => dialog.id === name);
const isDeadEnd = (name: string) => DEAD_ENDS.some((deadEnd) => deadEnd.id === name);
const readAsAgent = (reading: ScreenReading) => reading.kind === 'ready' || reading.kind === 'busy';

it('has real screens of every agent whose CLI installs from npm', () => {
  expect(new Set(fixtures.map((f) => f.agent))).toEqual(new Set(['claude', 'codex', 'gemini', 'copilot', 'opencode', 'amp', 'auggie']));
});

describe.each(fixtures)('$file', ({ agent, name, text }) => {
  it(`reads as ${expected(name)} for ${agent}`, () => {
    expect(readingName(readScreen(text, specOf(BUILTIN_PRESETS[agent]!)))).toBe(expected(name));
  });
});

describe('readiness cannot be fooled by a dialog, for any agent', () => {
  const dialogScreens = fixtures.filter((f) => isDialog(f.name));
  const agentScreens = fixtures.filter((f) => ['ready', 'busy', 'reply'].includes(f.name));

  it.each(dialogScreens.flatMap((f) => SPECS.map(([agent, spec]) => [f.file, agent, f.text, spec] as const)))(
    '%s read with the %s preset is a dialog, never ready',
    (_file, _agent, text, spec) => {
      expect(readScreen(text, spec).kind).toBe('dialog');
    },
  );

  // Numbered options under the agent's own input or busy line, with a cursor as each agent draws one: a menu.
  const cursors = ['› ', '❯ ', '● ', '> ', '▶ ', '→ '];
  it.each(agentScreens.flatMap((f) => cursors.map((cursor) => [f.file, cursor, f.text, f.agent] as const)))(
    '%s with a %j menu drawn below is not ready',
    (_file, cursor, text, agent) => {
      const menu = `${text.trimEnd()}\n  Choose:\n${cursor}1. First way\n  2. Second way\n`;
      for (const [, spec] of SPECS) expect(readAsAgent(readScreen(menu, spec)), agent).toBe(false);
    },
  );

  it.each(agentScreens.flatMap((f) => [`${f.text.trimEnd()}\n  1. one\n  2. two\n`].map((menu) => [f.file, menu] as const)))(
    '%s with numbered options (no cursor) drawn below is not ready',
    (_file, menu) => {
      for (const [, spec] of SPECS) expect(readAsAgent(readScreen(menu, spec))).toBe(false);
    },
  );
});

describe("a dialog's words above the agent's input are an old screen, not a dialog", () => {
  const byAgent = (agent: string, names: string[]) => fixtures.filter((f) => f.agent === agent && names.includes(f.name));
  const cases = fixtures
    .filter((f) => isDialog(f.name))
    .flatMap((dialog) => byAgent(dialog.agent, ['ready', 'busy', 'reply']).map((screen) => [dialog.file, screen.file, dialog, screen] as const));

  it.each(cases)('%s above %s', (_d, _s, dialog, screen) => {
    const reading = readScreen(`${dialog.text.trimEnd()}\n${screen.text}`, specOf(BUILTIN_PRESETS[screen.agent]!));
    expect(reading.kind).toBe(expected(screen.name));
  });
});

describe('dead ends are dead ends whatever the agent', () => {
  it.each(fixtures.filter((f) => isDeadEnd(f.name)).flatMap((f) => SPECS.map(([agent, spec]) => [f.file, agent, f.text, spec, f.name] as const)))(
    '%s read with the %s preset',
    (_file, _agent, text, spec, name) => {
      expect(readingName(readScreen(text, spec))).toBe(name);
    },
  );
});
