import { formatDuration } from '../inspect/format.js';
import type { ProgressEvent } from '../manager.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** An error the CLI shows as one line and exits with a given code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface Output {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processOutput: Output = { out: process.stdout, err: process.stderr };

export function printJson(output: Output, value: unknown): void {
  output.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const formatMs = formatDuration;

const MARK: Record<string, string> = { ok: '✓', failed: '✗', warning: '!', cancelled: '-' };

/**
 * Step progress: on a terminal the running step shows with a live timer and is replaced by its result;
 * elsewhere one plain line per finished step.
 */
export function progressPrinter(stream: Output['err']): { onProgress: (event: ProgressEvent) => void; close: () => void } {
  const live = stream.isTTY === true;
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    onProgress(event) {
      if (event.type === 'step.started') {
        if (!live) return;
        clear();
        const draw = () => stream.write(`\r\x1b[2K  … ${event.step} ${formatMs(Date.now() - event.at)}`);
        draw();
        timer = setInterval(draw, 100);
        timer.unref();
        return;
      }
      clear();
      const line = `  ${MARK[event.outcome] ?? '?'} ${event.step.padEnd(16)} ${formatMs(event.ms).padStart(8)}${event.outcome === 'ok' ? '' : `  ${event.outcome}`}`;
      stream.write(live ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
    close: clear,
  };
}

/** Text broken into lines of at most `width` characters, between words, for help text built from names. */
export function wrapWords(text: string, width = 112): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

/** Indents captured screen text under a heading, so it reads as a quote of the pane. */
export function quoteScreen(screen: string): string {
  return screen
    .split('\n')
    .map((line) => `    │ ${line}`)
    .join('\n');
}
