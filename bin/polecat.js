#!/usr/bin/env node
// Kept apart from the CLI module: npm's bin symlink breaks "is this the main module" checks.
import { main } from '../dist/cli/polecat.mjs';

// `polecat ... | head` closes the pipe early: that is the reader's choice, and a start or stop in progress must still
// finish (or roll back) properly, so output that can no longer be written is dropped, not fatal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
