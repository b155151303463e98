/**
 * The one shell string polecat builds: the agent's startup command that tmux hands to the default shell.
 * Every word is quoted so that any string (quotes, `$`, backticks, newlines, unicode) reaches the agent as it is.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL character');
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `[. FILE && rm -f FILE &&] exec env [-u NAME ...] K=V ... command args...`: `exec` so the agent replaces the shell
 * and the pane shows the agent; `-u` removes variables the agent must not inherit from the tmux server; the
 * credentials file (see credentialsScript) is read and deleted first, so no secret is ever on a command line, where
 * `ps` would show it to every user.
 */
export function buildStartupCommand(
  env: Readonly<Record<string, string>>,
  argv: readonly string[],
  unset: readonly string[] = [],
  credentialsFile?: string,
): string {
  if (argv.length === 0) throw new Error('startup command needs a program');
  // env takes any word with '=' before the program for an assignment, and no quoting can change that.
  if (argv[0]!.includes('=')) throw new Error(`the agent program path cannot contain '=': ${argv[0]}`);
  const pairs = Object.keys(env)
    .sort()
    .map((key) => {
      if (!ENV_KEY.test(key)) throw new Error(`invalid environment variable name: ${JSON.stringify(key)}`);
      return `${key}=${shellQuote(env[key]!)}`;
    });
  const removals = unset.flatMap((key) => {
    if (!ENV_KEY.test(key)) throw new Error(`invalid environment variable name: ${JSON.stringify(key)}`);
    return ['-u', key];
  });
  const exec = ['exec', 'env', ...removals, ...pairs, ...argv.map(shellQuote)].join(' ');
  if (credentialsFile === undefined) return exec;
  const file = shellQuote(credentialsFile);
  return `. ${file} && rm -f ${file} && ${exec}`;
}

/** The credentials file the startup command reads: `export K='v'` lines, quoted like every other word. */
export function credentialsScript(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort()
    .map((key) => {
      if (!ENV_KEY.test(key)) throw new Error(`invalid environment variable name: ${JSON.stringify(key)}`);
      return `export ${key}=${shellQuote(values[key]!)}\n`;
    })
    .join('');
}
