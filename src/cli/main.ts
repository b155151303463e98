import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { InvalidInputError } from '../town/names.js';
import { attachCommand } from './commands/attach.js';
import { captureCommand } from './commands/capture.js';
import { injectCommand } from './commands/inject.js';
import { inspectCommand } from './commands/inspect.js';
import { resumeCommand, rollbackCommand } from './commands/resume.js';
import { runsCommand } from './commands/runs.js';
import { graphCommand } from './commands/graph.js';
import { listCommand } from './commands/list.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { waitCommand } from './commands/wait.js';
import { eventsCommand } from './commands/events.js';
import { stopCommand } from './commands/stop.js';
import { stopAllCommand } from './commands/stop-all.js';
import { CliError, EXIT, processOutput, type Output } from './output.js';

function version(): string {
  return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
}

export function buildProgram(output: Output = processOutput): Command {
  const program = new Command('polecat')
    .description('Start, watch and stop AI coding agents in tmux, one per polecat, with startup run as a statechart.')
    .version(version(), '-V, --version')
    .configureOutput(outputConfig(output, 'polecat'))
    .exitOverride();
  for (const command of [startCommand(output), stopCommand(output), stopAllCommand(output), statusCommand(output), waitCommand(output), eventsCommand(output), listCommand(output), attachCommand(output), captureCommand(output), injectCommand(output), runsCommand(output), inspectCommand(output), resumeCommand(output), rollbackCommand(output), graphCommand(output)]) {
    program.addCommand(command.exitOverride().configureOutput(outputConfig(output, `polecat ${command.name()}`)));
  }
  return program;
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
  try {
    await buildProgram(output).parseAsync(normalizeArgv(argv), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
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
