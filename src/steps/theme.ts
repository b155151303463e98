import { fromPromise } from 'xstate';
import type { StartupInput, StepResult } from '../../machines/startup.js';
import type { StepDeps } from './deps.js';

export interface Theme {
  readonly name: string;
  readonly bg: string;
  readonly fg: string;
}

export const PALETTE: readonly Theme[] = [
  { name: 'ocean', bg: '#1e3a5f', fg: '#e0e0e0' },
  { name: 'forest', bg: '#2d5a3d', fg: '#e0e0e0' },
  { name: 'rust', bg: '#8b4513', fg: '#f5f5dc' },
  { name: 'plum', bg: '#4a3050', fg: '#e0e0e0' },
  { name: 'slate', bg: '#4a5568', fg: '#e0e0e0' },
  { name: 'ember', bg: '#b33a00', fg: '#f5f5dc' },
  { name: 'midnight', bg: '#1a1a2e', fg: '#c0c0c0' },
  { name: 'wine', bg: '#722f37', fg: '#f5f5dc' },
  { name: 'teal', bg: '#0d5c63', fg: '#e0e0e0' },
  { name: 'copper', bg: '#6d4c41', fg: '#f5f5dc' },
];

/** FNV-1a (32 bit) of the rig name picks the palette entry, so every polecat of a rig shares its colours. */
export function themeForRig(rig: string): Theme {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(rig, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return PALETTE[hash % PALETTE.length]!;
}

/** Status bar colours by rig and a label naming the polecat. Cosmetic: a failure is only a warning. */
export const theme = (deps: StepDeps) =>
  fromPromise<StepResult, StartupInput>(async ({ input, signal }) => {
    const { bg, fg } = themeForRig(input.rig);
    await deps.tmux(input.socket).setStatusTheme(input.sessionName, { bg, fg, label: `😺 ${input.rig}/${input.name} ` }, { signal });
    return {};
  });
