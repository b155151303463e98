#!/usr/bin/env node
// Kept apart from the CLI module: npm's bin symlink breaks "is this the main module" checks.
import { main } from '../dist/src/cli/main.js';

// `polecat ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
