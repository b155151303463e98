import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Route {
  readonly dir: string;
  readonly warnings: readonly string[];
}

/**
 * Where `bd` runs for an issue: its prefix (up to and including the first `-`) looked up in
 * `<town>/.beads/routes.jsonl` (`{"prefix": "gt-", "path": "gastown/mayor/rig"}` per line, `#` comments and blank
 * lines skipped), so an issue of another rig is read from that rig's database. No match: the fallback directory.
 */
export function routeIssue(townRoot: string, issueId: string, fallbackDir: string): Route {
  const dash = issueId.indexOf('-');
  const file = join(townRoot, '.beads', 'routes.jsonl');
  if (dash < 0 || !existsSync(file)) return { dir: fallbackDir, warnings: [] };
  const prefix = issueId.slice(0, dash + 1);
  const warnings: string[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let route: unknown;
    try {
      route = JSON.parse(line);
    } catch {
      warnings.push(`${file}:${index + 1}: not valid JSON, skipped`);
      continue;
    }
    const { prefix: routePrefix, path } = (route ?? {}) as { prefix?: unknown; path?: unknown };
    if (typeof routePrefix !== 'string' || typeof path !== 'string') {
      warnings.push(`${file}:${index + 1}: needs string "prefix" and "path", skipped`);
      continue;
    }
    if (routePrefix !== prefix) continue;
    const dir = resolve(townRoot, path);
    // A route may not lead bd out of the town.
    if (dir !== townRoot && !dir.startsWith(`${townRoot}/`)) {
      warnings.push(`${file}:${index + 1}: path ${JSON.stringify(path)} leaves the town, skipped`);
      continue;
    }
    return { dir, warnings };
  }
  return { dir: fallbackDir, warnings };
}
