#!/usr/bin/env node
// Kept apart from the CLI module: npm's bin symlink breaks "is this the main module" checks.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
