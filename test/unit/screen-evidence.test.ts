import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PRESETS } from '../../src/agents/presets.js';
import { NO_WORDS, screenActivity } from '../../src/activity/screen-evidence.js';

const claude = BUILTIN_PRESETS.claude!;
const spec = { promptPrefix: claude.readyPromptPrefix, readyMarkers: claude.readyMarkers, busyMarkers: claude.busyMarkers };
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/screens', `${name}.txt`), 'utf8');
const rule = '─'.repeat(40);

describe('screenActivity (Claude Code 2.1.197 screens and words)', () => {
  it.each([
    ['claude-2.1.197-busy', 'busy'],
    ['claude-2.1.197-reply', 'idle'],
    ['claude-2.1.197-ready', 'idle'],
  ] as const)('%s is %s', (name, seen) => {
    expect(screenActivity(fixture(name), spec, claude.activityWords)).toBe(seen);
  });

  it('an interrupt under the last prompt given ends the turn; one above it is an old turn', () => {
    const interrupted = `❯ fix it\n  ⎿  Interrupted · What should Claude do instead?\n${rule}\n❯ \n${rule}\n`;
    expect(screenActivity(interrupted, spec, claude.activityWords)).toBe('interrupted');
    const older = `❯ fix it\n  ⎿  Interrupted · What should Claude do instead?\n❯ now this\n● Done.\n${rule}\n❯ \n${rule}\n`;
    expect(screenActivity(older, spec, claude.activityWords)).toBe('idle');
  });

  it('a permission prompt waits for a person', () => {
    const screen = ` Bash command\n   rm -rf build\n Do you want to proceed?\n ❯ 1. Yes\n   2. Yes, and don't ask again\n   3. No, and tell Claude what to do differently (esc)\n`;
    expect(screenActivity(screen, spec, claude.activityWords)).toBe('permission');
  });

  it('an API error under the last prompt errs the turn', () => {
    expect(screenActivity(`❯ fix it\n  ⎿  API Error: 500 {"type":"error"}\n${rule}\n❯ \n${rule}\n`, spec, claude.activityWords)).toBe('api-error');
  });

  it('without words of its own an agent is read only as busy or idle', () => {
    expect(screenActivity(`❯ fix it\n  ⎿  Interrupted · What should Claude do instead?\n${rule}\n❯ \n`, spec, NO_WORDS)).toBe('idle');
  });
});
