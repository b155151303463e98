/** A town's or rig's settings file (`settings/config.json`, `settings/agents.json`): a JSON object, or absent. */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidInputError } from './names.js';

export type Json = Record<string, unknown>;

/** The file's object; undefined when there is no file; one-line InvalidInputError when it is not a JSON object. */
export function readJsonFile(path: string): Json | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidInputError(`${path}: expected a JSON object`);
  return parsed as Json;
}
