/**
 * Real agent CLIs from npm for the tests, each at the version its preset was proven against, installed once into
 * node_modules/.cache and reused. Where npm cannot install one (no registry), its tests are skipped with the reason
 * printed, never passed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { testTmpDir } from './tmux-guard.js';

const CACHE = resolve(import.meta.dirname, '../../node_modules/.cache');

/** The Claude Code version the real-Claude tests install (claude.test.ts, claude-activity.test.ts). */
export const CLAUDE_VERSION = '2.1.197';

export interface RealCli {
  /** The npm package and the exact version installed. */
  readonly spec: string;
  /** The directory holding its executables, to put first on PATH. */
  readonly binDir: string;
  /** What `<bin> --version` printed, first line. */
  readonly version: string;
}

export type Installed = { readonly cli: RealCli; readonly reason?: undefined } | { readonly cli?: undefined; readonly reason: string };

/** Installs `pkg@version` (once) and checks that `bin --version` runs. */
export function installCli(pkg: string, version: string, bin: string): Installed {
  const spec = `${pkg}@${version}`;
  const dir = join(CACHE, `polecat-test-${spec.replace(/[@/]/g, '_')}`);
  const binDir = join(dir, 'node_modules', '.bin');
  const marker = join(dir, 'installed.txt');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== spec) {
    mkdirSync(dir, { recursive: true });
    const result = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', spec], { encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0 || !existsSync(join(binDir, bin))) {
      const why = (result.stderr || result.error?.message || '').trim().split('\n').pop();
      return { reason: `npm could not install ${spec}: ${why}` };
    }
    writeFileSync(marker, spec);
  }
  const ran = spawnSync(join(binDir, bin), ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  if (ran.status !== 0) return { reason: `${bin} --version failed: ${(ran.stderr || ran.error?.message || '').trim()}` };
  return { cli: { spec, binDir, version: ran.stdout.trim().split('\n')[0] ?? '' } };
}

/** Puts the CLI first on PATH for the agents polecat starts from this test file. */
export function putOnPath(cli: RealCli): void {
  process.env.PATH = `${cli.binDir}${delimiter}${process.env.PATH}`;
}

/** A home of its own for one start, so that one test's sign-in or trust does not reach another. */
export function freshHome(name: string): string {
  const home = mkdtempSync(join(testTmpDir, `home-${name}-`));
  process.env.HOME = home;
  return home;
}

/** Runs with these variables in the environment (a throwaway credential, say), and takes them out again. */
export async function withEnv<T>(vars: Readonly<Record<string, string>>, run: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
