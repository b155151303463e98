import type { Command } from 'commander';
import { packageVersion } from '../files/package-root.js';
import { InvalidInputError } from '../town/names.js';
import { CliError, EXIT, processOutput, type Output } from './output.js';

type Commands = (output: Output) => Promise<Command[]>;

/** Each command's module, loaded only when it runs (or for the help that lists them all), in the order help lists them. */
const COMMANDS: ReadonlyArray<readonly [readonly string[], Commands]> = [
  [['init'], async (o) => [(await import('./commands/init.js')).initCommand(o)]],
  [['rig'], async (o) => [(await import('./commands/rig.js')).rigCommand(o)]],
  [['add'], async (o) => [(await import('./commands/add.js')).addCommand(o)]],
  [['remove'], async (o) => [(await import('./commands/remove.js')).removeCommand(o)]],
  [['start'], async (o) => [(await import('./commands/start.js')).startCommand(o)]],
  [['stop'], async (o) => [(await import('./commands/stop.js')).stopCommand(o)]],
  [['stop-all'], async (o) => [(await import('./commands/stop-all.js')).stopAllCommand(o)]],
  [['supervise'], async (o) => [(await import('./commands/supervise.js')).superviseCommand(o)]],
  [['up', 'down'], async (o) => { const m = await import('./commands/up.js'); return [m.upCommand(o), m.downCommand(o)]; }],
  [['status'], async (o) => [(await import('./commands/status.js')).statusCommand(o)]],
  [['wait'], async (o) => [(await import('./commands/wait.js')).waitCommand(o)]],
  [['events'], async (o) => [(await import('./commands/events.js')).eventsCommand(o)]],
  [['list'], async (o) => [(await import('./commands/list.js')).listCommand(o)]],
  [['attach'], async (o) => [(await import('./commands/attach.js')).attachCommand(o)]],
  [['capture'], async (o) => [(await import('./commands/capture.js')).captureCommand(o)]],
  [['inject'], async (o) => [(await import('./commands/inject.js')).injectCommand(o)]],
  [['runs'], async (o) => [(await import('./commands/runs.js')).runsCommand(o)]],
  [['inspect'], async (o) => [(await import('./commands/inspect.js')).inspectCommand(o)]],
  [['resume', 'rollback'], async (o) => { const m = await import('./commands/resume.js'); return [m.resumeCommand(o), m.rollbackCommand(o)]; }],
  [['graph'], async (o) => [(await import('./commands/graph.js')).graphCommand(o)]],
];

/**
 * The program with the command the arguments name, or every command when they name none it knows (`--help`, a
 * typo, which commander then answers): loading every command's modules costs a command that runs one.
 */
export async function buildProgram(argv: readonly string[], output: Output = processOutput): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('polecat')
    .description('Start, watch and stop AI coding agents in tmux, one per polecat, with startup run as a statechart.')
    .version(packageVersion(), '-V, --version')
    .configureOutput(outputConfig(output, 'polecat'))
    .exitOverride();
  const named = argv.find((arg) => !arg.startsWith('-'));
  const only = COMMANDS.filter(([names]) => named !== undefined && names.includes(named));
  const versionOnly = named === undefined && argv.some((arg) => arg === '-V' || arg === '--version');
  const loads = versionOnly ? [] : only.length > 0 ? only : COMMANDS;
  for (const commands of await Promise.all(loads.map(([, load]) => load(output)))) {
    for (const command of commands) program.addCommand(withOurErrors(command, output, `polecat ${command.name()}`));
  }
  return program;
}

/** A command and its own subcommands (`rig add`) answer usage errors as every command does. */
function withOurErrors(command: Command, output: Output, path: string): Command {
  for (const sub of command.commands) withOurErrors(sub, output, `${path} ${sub.name()}`);
  return command.exitOverride().configureOutput(outputConfig(output, path));
}

/** Usage errors as one line, in the same `polecat: ...` form as every other error, with where to look for help. */
function outputConfig(output: Output, commandPath: string) {
  return {
    writeOut: (text: string) => output.out.write(text),
    writeErr: (text: string) => output.err.write(text),
    outputError: (text: string, write: (text: string) => void) =>
      write(`polecat: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see ${commandPath} --help)\n`),
  };
}

/** `--inspect=sky` is written with `=` (a bare `--inspect` must not swallow the next word as its value). */
function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '--inspect=sky' ? '--inspect-sky' : arg === '--inspect=local' ? '--inspect' : arg));
}

/** Runs the CLI and returns its exit code: 0 ok, 1 failed, 2 usage or bad input, 130 interrupted. */
export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  process.exitCode = undefined;
  // Answered before commander loads: scripts ask for the version to check the install, and should not wait for it.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    output.out.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  try {
    const args = normalizeArgv(argv);
    await (await buildProgram(args, output)).parseAsync(args, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    const { CommanderError } = await import('commander');
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof InvalidInputError) {
      output.err.write(`polecat: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      output.err.write(`polecat: ${error.message}\n`);
      return error.exitCode;
    }
    output.err.write(`polecat: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.failed;
  }
}
