/**
 * `list --all`: every polecat that exists in the town (or a rig), running or not, each of a repository rig with what
 * its worktree holds. Nothing is fetched: behind is as of the rig's last fetch.
 */
import { join } from 'node:path';
import { rigPolecats, townRigs } from '../town/town.js';
import { isRepoRig, rigRepo, worktreeFacts, worktreeProblem, type WorktreeFacts } from '../town/worktree.js';
import { absentPolecat, type ListedPolecat } from './queries.js';

export type WorktreeView = WorktreeFacts | { readonly problem: string };

/** The listed polecats, and those that exist without a session, each with its worktree. */
export async function withEveryPolecat(townRoot: string, rig: string | undefined, listed: readonly ListedPolecat[]): Promise<ListedPolecat[]> {
  const shown = new Set(listed.map((p) => p.polecat));
  const existing: ListedPolecat[] = (rig === undefined ? townRigs(townRoot) : [rig]).flatMap((r) =>
    rigPolecats(townRoot, r)
      .names.filter((name) => !shown.has(`${r}/${name}`))
      .map((name) => absentPolecat(townRoot, { rig: r, name })),
  );
  const all = [...listed, ...existing].sort((a, b) => a.polecat.localeCompare(b.polecat));
  return Promise.all(all.map(async (p) => {
    const worktree = await worktreeOf(townRoot, p);
    return worktree ? { ...p, worktree } : p;
  }));
}

async function worktreeOf(townRoot: string, p: ListedPolecat): Promise<WorktreeView | undefined> {
  const rigDir = join(townRoot, p.rig);
  if (!isRepoRig(rigDir)) return undefined;
  const polecatDir = join(rigDir, 'polecats', p.name);
  const problem = worktreeProblem(polecatDir, p.rig);
  if (problem !== undefined) return { problem };
  try {
    return await worktreeFacts(join(polecatDir, p.rig), rigRepo(townRoot, p.rig).defaultBranch);
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
