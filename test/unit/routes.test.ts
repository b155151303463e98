import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeIssue } from '../../src/beads/routes.js';
import { makeTown } from '../helpers/town.js';

function townWithRoutes(lines: string[]) {
  const town = makeTown({ gastown: ['Toast'] });
  mkdirSync(join(town.root, '.beads'), { recursive: true });
  writeFileSync(join(town.root, '.beads', 'routes.jsonl'), lines.join('\n'));
  return town.root;
}

describe('routeIssue', () => {
  const routes = [
    '# routes',
    '',
    '{"prefix": "gt-", "path": "gastown/mayor/rig"}',
    '{"prefix": "hq-", "path": "."}',
    'not json',
    '{"prefix": 3, "path": "x"}',
    '{"prefix": "ev-", "path": "../../etc"}',
  ];

  it.each([
    ['gt-abc', 'gastown/mayor/rig'],
    ['hq-1', '.'],
    ['bd-9', 'FALLBACK'],
    ['nodash', 'FALLBACK'],
    ['ev-1', 'FALLBACK'],
  ])('routes %s', (issue, expected) => {
    const root = townWithRoutes(routes);
    const { dir } = routeIssue(root, issue, '/fallback');
    expect(dir).toBe(expected === 'FALLBACK' ? '/fallback' : join(root, expected));
  });

  it('warns about the lines it skipped', () => {
    const root = townWithRoutes(routes);
    const { warnings } = routeIssue(root, 'ev-1', '/fallback');
    expect(warnings).toEqual([
      expect.stringMatching(/routes\.jsonl:5: not valid JSON, skipped$/),
      expect.stringMatching(/routes\.jsonl:6: needs string "prefix" and "path", skipped$/),
      expect.stringMatching(/routes\.jsonl:7: path "\.\.\/\.\.\/etc" leaves the town, skipped$/),
    ]);
  });

  it('uses the fallback without a routes file', () => {
    expect(routeIssue(makeTown({}).root, 'gt-1', '/fallback')).toEqual({ dir: '/fallback', warnings: [] });
  });
});
