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

/** What the agent may keep of the environment its pane inherits (from the tmux server, the session, tmux itself). */
export interface Inheritance {
  readonly names: readonly string[];
  /** Name prefixes kept whole, such as `LC_`. */
  readonly prefixes: readonly string[];
}

function checkKey(key: string): string {
  if (!ENV_KEY.test(key)) throw new Error(`invalid environment variable name: ${JSON.stringify(key)}`);
  return key;
}

/**
 * The sweep that runs in the pane just before the agent: every variable the pane inherited that is not kept becomes
 * an `env -u NAME`. It reads the environment the agent would really get at that moment (the server's global one,
 * the session's, tmux's own), so nothing set on the server by anyone, at any time, reaches the agent, and no tmux
 * call is needed to learn the server's variables first. Names come from `env` output: a value with a newline can
 * add a false name, which is only ever unset if it is not kept, so it is harmless.
 */
function sweep(keep: Inheritance): string {
  const patterns = [...keep.names.map(checkKey), ...keep.prefixes.map((prefix) => `${checkKey(prefix)}*`)];
  const cases = patterns.length > 0 ? `${patterns.join('|')}) ;; ` : '';
  return (
    // IFS becomes a newline (written without one, so the command stays on one line in `ps` and tmux).
    `set -f && IFS=$(printf '\\n_') && IFS=\${IFS%_} && set -- && ` +
    `for polecat_v in $(env | sed -n 's/^\\([^=][^=]*\\)=.*/\\1/p'); do case $polecat_v in ${cases}*) set -- "$@" -u "$polecat_v" ;; esac; done && `
  );
}

/**
 * `[. FILE && rm -f FILE &&] <sweep> exec env "$@" K=V ... command args...`: `exec` so the agent replaces the shell
 * and the pane shows the agent; the sweep unsets what the agent must not inherit; the credentials file (see
 * credentialsScript) is read and deleted first, so no secret is ever on a command line, where `ps` would show it
 * to every user. The agent's environment is then exactly: the kept inherited names, the credentials, and `env`.
 */
export function buildStartupCommand(
  env: Readonly<Record<string, string>>,
  argv: readonly string[],
  { keep, credentialsFile }: { keep: Inheritance; credentialsFile?: string },
): string {
  if (argv.length === 0) throw new Error('startup command needs a program');
  // env takes any word with '=' before the program for an assignment, and no quoting can change that.
  if (argv[0]!.includes('=')) throw new Error(`the agent program path cannot contain '=': ${argv[0]}`);
  const pairs = Object.keys(env)
    .sort()
    .map((key) => `${checkKey(key)}=${shellQuote(env[key]!)}`);
  const exec = `${sweep(keep)}${['exec', 'env', '"$@"', ...pairs, ...argv.map(shellQuote)].join(' ')}`;
  if (credentialsFile === undefined) return exec;
  const file = shellQuote(credentialsFile);
  return `. ${file} && rm -f ${file} && ${exec}`;
}

/** The credentials file the startup command reads: `export K='v'` lines, quoted like every other word. */
export function credentialsScript(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort()
    .map((key) => {
      return `export ${checkKey(key)}=${shellQuote(values[key]!)}\n`;
    })
    .join('');
}
