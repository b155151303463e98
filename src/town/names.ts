/** Names that become tmux session names, paths and environment values: one safe alphabet for all of them. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
export const MAX_NAME_LENGTH = 64;

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** Whether a name would pass checkName, for listings that skip what cannot be addressed instead of refusing. */
export function isValidName(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && NAME.test(value);
}

export function checkName(kind: string, value: string): string {
  if (value === '') throw new InvalidInputError(`${kind} name is empty`);
  if (value.length > MAX_NAME_LENGTH) {
    throw new InvalidInputError(`${kind} name is ${value.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  }
  if (!NAME.test(value)) {
    throw new InvalidInputError(
      `invalid ${kind} name ${JSON.stringify(value)}: use letters, digits, '_' and '-' (not first)`,
    );
  }
  return value;
}

export interface PolecatAddress {
  readonly rig: string;
  readonly name: string;
}

/** Parses `<rig>/<name>` as typed on the command line. */
export function parseAddress(text: string): PolecatAddress {
  const parts = text.split('/');
  if (parts.length !== 2) {
    throw new InvalidInputError(`expected <rig>/<name>, got ${JSON.stringify(text)}`);
  }
  return { rig: checkName('rig', parts[0]!), name: checkName('polecat', parts[1]!) };
}

export function formatAddress({ rig, name }: PolecatAddress): string {
  return `${rig}/${name}`;
}
